"""Hostile YAML: alias bombs, recursive anchors, deep nesting, oversized or undecodable files. Each is refused with
a message and a place, through the loader, `leadpact pact validate` and POST /api/v1/pacts; nothing is stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from leadpact.db import session_scope
from leadpact.keys.service import create_key
from leadpact.pact import validate_pact
from leadpact.pact.commands import register
from leadpact.pact.source import MAX_BYTES

from ..conftest import LiveServer
from .conftest import EXAMPLE

# 8 levels of 9 aliases each: 381 bytes that would expand to 9^8 (43 million) strings.
ALIAS_BOMB = "leadpact: 1\nname: bomb\nlists:\n  a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  {name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefg", "bcdefgh", strict=True))
RECURSIVE_LIST = "leadpact: 1\nname: loop\nlists:\n  a: &a [x, *a]\n"
RECURSIVE_MAPPING = "leadpact: 1\nname: loop\nfit: &fit {grades: {A: 1}, again: *fit}\n"
RECURSIVE_MERGE = "leadpact: 1\nname: loop\nfit: &fit {grades: {A: 1}, <<: *fit}\n"
# Each mapping merges the one before twice: merging resolves before anything is read, 2^40 keys.
MERGE_BOMB = "leadpact: 1\nname: merge\nm0: &m0 {a: 1, b: 2}\n" + "".join(
    f"m{n}: &m{n} {{<<: [*m{n - 1}, *m{n - 1}], k{n}: {n}}}\n" for n in range(1, 41))
DEEP = "leadpact: 1\nname: deep\nlists:\n  a: " + "[" * 5000 + "]" * 5000 + "\n"


@pytest.mark.parametrize(("text", "place", "words"), [
    pytest.param(ALIAS_BOMB, (8, 10), "aliases (*name) expand this pact past 10,000 repeated values",
                 id="alias-bomb"),
    pytest.param(RECURSIVE_LIST, (4, 13), "recursive anchor", id="recursive-list"),
    pytest.param(RECURSIVE_MAPPING, (3, 35), "recursive anchor", id="recursive-mapping"),
    pytest.param(RECURSIVE_MERGE, (3, 6), "a merge (<<) includes the mapping that holds it", id="recursive-merge"),
    pytest.param(MERGE_BOMB, (15, 12), "merges (<<) expand this mapping past 10,000 keys", id="merge-bomb"),
    pytest.param(DEEP, (4, 68), "nested more than 64 levels deep", id="deep-nesting"),
    pytest.param("leadpact: 1\nname: big\nnote: " + "x" * MAX_BYTES + "\n", (1, 1), "at most 262,144 are read",
                 id="too-large"),
    pytest.param("leadpact: 1\nname: x\nfit: {grades: {A: " + "1" * 5000 + "}}\n", (3, 19), "cannot read this value",
                 id="integer-of-5000-digits"),
    pytest.param("leadpact: 1\nname: 2024-13-45\n", (2, 7), "cannot read this value: month must be in 1..12",
                 id="impossible-date"),
])
def test_loader_refuses_with_a_place(text: str, place: tuple[int, int], words: str) -> None:
    pact, errors = validate_pact(text)
    assert pact is None
    assert words in errors[0].message, errors
    assert (errors[0].line, errors[0].column) == place


def test_aliases_within_the_bound_still_work() -> None:
    text = ("leadpact: 1\nname: anchors\nlists:\n  rivals: &rivals [rival.example, other.example]\n"
            "disqualify:\n  - {id: r, reason: competitor, when: {field: account.domain, op: in, value: *rivals}}\n"
            "  - {id: s, reason: competitor, when: {field: person.email_domain, op: in, value: *rivals}}\n")
    pact, errors = validate_pact(text)
    assert not errors and pact is not None
    assert pact.disqualify[1].when.value == ["rival.example", "other.example"]


app = typer.Typer()
register(app)


@pytest.mark.parametrize(("content", "words"), [
    pytest.param(ALIAS_BOMB.encode(), ":8:10: aliases (*name) expand this pact past 10,000", id="alias-bomb"),
    pytest.param(RECURSIVE_LIST.encode(), ":4:13: an alias refers to a value that contains it", id="recursive"),
    pytest.param(b"leadpact: 1\nname: caf\xe9\n", ":2:10: not UTF-8 text (byte 0xe9)", id="not-utf8"),
    pytest.param(b"leadpact: 1\nname: x\n" + b"#" * MAX_BYTES, ": the pact is over 262,144 bytes", id="too-large"),
])
def test_cli_validate_refuses_with_file_line_column(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "pact.yaml"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["pact", "validate", str(path)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout.startswith(f"{path}{words}"), result.stdout


@pytest.fixture
def admin(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An admin-keyed client on the live server."""
    with session_scope() as session:
        _row, secret = create_key(session=session, scope="admin", name="test admin", now=datetime.now(UTC))
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers={"Authorization": f"Bearer {secret}"},
                      timeout=60) as client:
        yield client


@pytest.mark.parametrize(("text", "place", "words"), [
    pytest.param(ALIAS_BOMB, (8, 10), "aliases (*name) expand this pact past 10,000", id="alias-bomb"),
    pytest.param(RECURSIVE_MAPPING, (3, 35), "recursive anchor", id="recursive"),
    pytest.param(DEEP, (4, 68), "nested more than 64 levels deep", id="deep-nesting"),
    pytest.param(EXAMPLE.read_text(encoding="utf-8") + "#" * MAX_BYTES, (1, 1), "at most 262,144 are read",
                 id="too-large"),
])
def test_api_refuses_with_422_and_stores_nothing(admin: httpx.Client, text: str, place: tuple[int, int],
                                                 words: str) -> None:
    response = admin.post("/pacts", json={"source": text, "author": "mia@northwind.example"})
    assert response.status_code == 422, response.text
    problem = response.json()["errors"][0]
    assert (problem["line"], problem["column"]) == place and words in problem["message"]
    assert words in response.json()["detail"]
    assert admin.get("/pacts").json() == []
