"""Examples inside the pact: validation evaluates each one and names the line of every disagreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.pact import load_pact_file, render_html, render_markdown, validate_pact

EXAMPLE = Path(__file__).parents[2] / "examples" / "northwind.yaml"
runner = CliRunner()


def _with_examples(examples: str) -> str:
    """The Northwind pact with its examples replaced by `examples` (YAML written at column 1)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    return text[: text.index("\nexamples:")] + "\nexamples:\n" + examples


def _line_of(text: str, needle: str) -> int:
    """The line of the last occurrence: the examples come last in the file."""
    lines = text.splitlines()
    return [number for number, line in enumerate(lines, start=1) if needle in line][-1]


def test_the_shipped_examples_agree_with_their_rules_and_read_as_sentences() -> None:
    pact = load_pact_file(EXAMPLE)
    assert [e.status for e in pact.examples] == ["hot", "engaged", "disqualified"]
    markdown = render_markdown(pact)
    assert ("For example, a VP Data at Northwind (software, 800 employees) who did Demo Requested on 2026-10-01 "
            "is hot as of 2026-10-02 (Data leader, grade B).") in markdown
    assert "viewed /pricing on 2026-10-01 is engaged as of 2026-10-02 (Student or job seeker, grade D)" in markdown
    assert "For example, a VP Data at Rival" in render_html(pact)


def test_an_example_whose_status_disagrees_fails_at_its_status_line() -> None:
    text = _with_examples("""  - name: a pricing visitor
    person: {email: ada@northwind.io, title: VP Data, department: data, seniority: vp}
    account: {name: Northwind, domain: northwind.io, industry: software, employees: 800}
    events:
      - {type: page, properties: {path: /pricing}, timestamp: "2026-10-01T09:00:00Z"}
    as_of: "2026-10-02T09:00:00Z"
    status: mql
""")
    pact, errors = validate_pact(text)
    assert pact is None and len(errors) == 1
    error = errors[0]
    assert error.line == _line_of(text, "status: mql")
    assert "example 1 (a pricing visitor): expected status mql, but the rules give engaged" in error.message
    assert "fit 50, grade B" in error.message and "pricing_page" in error.message


def test_a_wrong_persona_or_grade_is_named_at_its_own_line() -> None:
    text = _with_examples("""  - person: {email: ada@northwind.io, title: VP Data, department: data, seniority: vp}
    account: {name: Northwind, domain: northwind.io, industry: software, employees: 800}
    as_of: 2026-10-02
    status: known
    persona: data_leader
    grade: A
""")
    pact, errors = validate_pact(text)
    assert pact is None
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [(_line_of(text, "grade: A"), "example 1")]
    assert "expected grade A, but the rules give B" in errors[0].message


@pytest.mark.parametrize(("examples", "needle", "words"), [
    ("  - {as_of: '2026-10-02', status: known, persona: data_lead}\n", "persona: data_lead",
     "unknown persona 'data_lead'"),
    ("  - {as_of: '2026-10-02', status: known, grade: E}\n", "grade: E", "unknown grade 'E'"),
    ("  - as_of: '2026-10-02'\n    status: engaged\n    events:\n      - {event: Demo Requested}\n",
     "{event: Demo Requested}", "event 1: unknown or missing type"),
    ("  - as_of: '2026-10-02'\n    status: engaged\n    events:\n      - {type: track, event: Demo Requested}\n",
     "{type: track", "event 1: no timestamp"),
    ("  - {as_of: next tuesday, status: known}\n", "next tuesday", "expected an ISO 8601 moment"),
    ("  - {as_of: '2026-10-02', status: ready}\n", "status: ready", "expected 'disqualified'"),
    ("  - {status: known}\n", "status: known", "missing required key 'as_of'"),
    ("  - {as_of: '2026-10-02', status: known, expect: hot}\n", "expect: hot", "unknown key 'expect'"),
])
def test_a_bad_example_is_refused_with_its_place(examples: str, needle: str, words: str) -> None:
    text = _with_examples(examples)
    pact, errors = validate_pact(text)
    assert pact is None
    assert any(words in e.message and e.line == _line_of(text, needle) for e in errors), errors


def test_validate_on_the_command_line_fails_naming_the_example_line(tmp_path: Path) -> None:
    text = _with_examples("""  - person: {email: eve@rival.example}
    account: {domain: rival.example}
    as_of: "2026-10-02T09:00:00Z"
    status: known
""")
    path = tmp_path / "pact.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["pact", "validate", str(path)])
    assert result.exit_code != 0
    line = _line_of(text, "status: known")
    assert f"{line}:" in result.output
    assert "expected status known, but the rules give disqualified" in result.output
