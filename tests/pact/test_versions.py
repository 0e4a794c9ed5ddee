"""Stored pact versions: draft → approved → active → retired, every refusal, and the CLI over the same flow."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from leadpact.cli import app
from leadpact.clock import SimulatedClock
from leadpact.org.models import User
from leadpact.org.service import create_user
from leadpact.pact import render_markdown
from leadpact.pact.load import InvalidPact, load_pact
from leadpact.pact.models import PactActivation, PactVersion
from leadpact.pact.versions import (
    PactStateError,
    VersionNotFound,
    activate,
    active_version,
    add_draft,
    approvals_of,
    approve,
    get_version,
    list_versions,
    retire,
)
from leadpact.people.models import Person

from .conftest import EXAMPLE

SOURCE = EXAMPLE.read_text(encoding="utf-8")
SECOND = SOURCE.replace("name: Northwind lead pact", "name: Northwind lead pact, v2")
runner = CliRunner()


def user(session: Session, clock: SimulatedClock, role: str, email: str | None = None, name: str | None = None) -> User:
    """A user of `role` (factory)."""
    email = email or f"{role}@northwind.example"
    return create_user(session=session, email=email, name=name or f"{role.title()} Person", role=role, now=clock.now())


def approved(session: Session, clock: SimulatedClock, source: str = SOURCE) -> PactVersion:
    """A stored version signed by both sides."""
    row = add_draft(session=session, source=source, author="author@northwind.example", now=clock.now())
    marketing = session.scalar(select(User).where(User.role == "marketing")) or user(session, clock, "marketing")
    manager = session.scalar(select(User).where(User.role == "manager")) or user(session, clock, "manager")
    approve(session=session, version=row.version, user=marketing, now=clock.now())
    approve(session=session, version=row.version, user=manager, now=clock.now())
    return row


def test_full_flow(session: Session, clock: SimulatedClock) -> None:
    marketing = user(session, clock, "marketing", name="Mia Marketing")
    manager = user(session, clock, "manager", name="Sam Sales")
    row = add_draft(session=session, source=SOURCE, author="mia@northwind.example", note="first", now=clock.now())
    assert (row.version, row.state, row.name, row.note) == (1, "draft", "Northwind lead pact", "first")
    marketing_at = clock.advance(timedelta(hours=1))
    approve(session=session, version=1, user=marketing, now=marketing_at)
    assert row.state == "draft" and row.approved_at is None
    sales_at = clock.advance(timedelta(hours=2))
    approve(session=session, version=1, user=manager, now=sales_at)
    assert row.state == "approved" and row.approved_at == sales_at
    activation = activate(session=session, version=1, actor=marketing, now=clock.advance(timedelta(hours=1)))
    assert row.state == "active" and row.activated_at == clock.now()
    assert active_version(session=session) is row
    assert activation.previous_version is None and activation.actor == marketing.email
    assert approvals_of(session=session, version=1) == [("Marketing", "Mia Marketing", marketing_at),
                                                         ("Sales", "Sam Sales", sales_at)]
    second = approved(session, clock, SECOND)
    activation = activate(session=session, version=second.version, actor=manager, now=clock.now())
    assert activation.previous_version == 1
    assert (row.state, row.retired_at, second.state) == ("retired", clock.now(), "active")
    assert [v.state for v in list_versions(session=session)] == ["retired", "active"]


def test_exactly_one_active_after_activating_a_second_and_third(session: Session, clock: SimulatedClock) -> None:
    actor = user(session, clock, "admin")
    for source in (SOURCE, SECOND, SOURCE):
        activate(session=session, version=approved(session, clock, source).version, actor=actor, now=clock.now())
    active = session.scalars(select(PactVersion.version).where(PactVersion.state == "active")).all()
    assert active == [3]
    assert session.scalar(select(func.count()).select_from(PactActivation)) == 3


def test_activation_reevaluates_open_people_and_records_the_moves(session: Session, clock: SimulatedClock) -> None:
    # Someone with an email is at least "known" under any pact: activation moves them there and says so.
    session.add(Person(email="ada@acme.example", status="anonymous", created_at=clock.now(), updated_at=clock.now()))
    session.flush()
    admin = user(session, clock, "admin")
    activation = activate(session=session, version=approved(session, clock).version, actor=admin, now=clock.now())
    assert (activation.people_evaluated, activation.people_moved) == (1, 1)
    assert activation.moves == {"anonymous→known": 1}
    assert session.scalar(select(Person.status)) == "known"


def test_invalid_pact_refused_with_line_and_column_nothing_stored(session: Session, clock: SimulatedClock) -> None:
    broken = SOURCE.replace("op: between", "op: betwixt", 1)
    with pytest.raises(InvalidPact) as refused:
        add_draft(session=session, source=broken, author="a@b.example", now=clock.now())
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "betwixt" in text)
    assert any(e.line == line and "betwixt" in e.message for e in refused.value.errors)
    assert list_versions(session=session) == []


def test_version_numbers_count_up(session: Session, clock: SimulatedClock) -> None:
    numbers = [add_draft(session=session, source=SOURCE, author="a", now=clock.now()).version for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert get_version(session=session, version=2).version == 2  # type: ignore[union-attr]
    assert get_version(session=session, version=9) is None


@pytest.mark.parametrize("role", ["rep", "admin"])
def test_only_marketing_and_managers_sign(session: Session, clock: SimulatedClock, role: str) -> None:
    add_draft(session=session, source=SOURCE, author="a", now=clock.now())
    with pytest.raises(PactStateError, match=f"is a {role}: a pact is signed by one marketing user"):
        approve(session=session, version=1, user=user(session, clock, role), now=clock.now())


def test_the_same_side_cannot_sign_twice(session: Session, clock: SimulatedClock) -> None:
    add_draft(session=session, source=SOURCE, author="a", now=clock.now())
    approve(session=session, version=1, user=user(session, clock, "manager", name="Sam Sales"), now=clock.now())
    other = user(session, clock, "manager", email="other.manager@northwind.example")
    with pytest.raises(PactStateError, match="sales side of pact version 1 is already signed by Sam Sales"):
        approve(session=session, version=1, user=other, now=clock.now())


def test_a_draft_cannot_be_activated(session: Session, clock: SimulatedClock) -> None:
    add_draft(session=session, source=SOURCE, author="a", now=clock.now())
    approve(session=session, version=1, user=user(session, clock, "marketing"), now=clock.now())
    with pytest.raises(PactStateError, match="is a draft: it needs the sales side signed"):
        activate(session=session, version=1, actor=user(session, clock, "admin"), now=clock.now())
    assert active_version(session=session) is None


def test_approved_and_active_versions_cannot_be_approved_again(session: Session, clock: SimulatedClock) -> None:
    row = approved(session, clock)
    late = user(session, clock, "manager", email="late@northwind.example")
    with pytest.raises(PactStateError, match="is approved: only a draft can be approved"):
        approve(session=session, version=row.version, user=late, now=clock.now())
    activate(session=session, version=row.version, actor=late, now=clock.now())
    with pytest.raises(PactStateError, match="is active: only a draft can be approved"):
        approve(session=session, version=row.version, user=late, now=clock.now())


def test_activation_refusals(session: Session, clock: SimulatedClock) -> None:
    row = approved(session, clock)
    with pytest.raises(PactStateError, match="only an admin, marketing user or manager"):
        activate(session=session, version=row.version, actor=user(session, clock, "rep"), now=clock.now())
    admin = user(session, clock, "admin")
    activate(session=session, version=row.version, actor=admin, now=clock.now())
    with pytest.raises(PactStateError, match="already active"):
        activate(session=session, version=row.version, actor=admin, now=clock.now())
    activate(session=session, version=approved(session, clock, SECOND).version, actor=admin, now=clock.now())
    with pytest.raises(PactStateError, match="is retired and cannot be activated again"):
        activate(session=session, version=row.version, actor=admin, now=clock.now())
    with pytest.raises(VersionNotFound, match="no pact version 7"):
        activate(session=session, version=7, actor=admin, now=clock.now())


def test_retire(session: Session, clock: SimulatedClock) -> None:
    admin = user(session, clock, "admin")
    active = approved(session, clock)
    activate(session=session, version=active.version, actor=admin, now=clock.now())
    with pytest.raises(PactStateError, match="activate another version to replace it"):
        retire(session=session, version=active.version, actor=admin, now=clock.now())
    draft = add_draft(session=session, source=SECOND, author="a", now=clock.now())
    assert retire(session=session, version=draft.version, actor=admin, now=clock.now()).state == "retired"
    with pytest.raises(PactStateError, match="already retired"):
        retire(session=session, version=draft.version, actor=admin, now=clock.now())


def test_document_shows_both_approvals_with_names_and_times(session: Session, clock: SimulatedClock) -> None:
    add_draft(session=session, source=SOURCE, author="a", now=clock.now())
    approve(session=session, version=1, user=user(session, clock, "marketing", name="Mia Marketing"), now=clock.now())
    clock.advance(timedelta(minutes=90))
    approve(session=session, version=1, user=user(session, clock, "manager", name="Sam Sales"), now=clock.now())
    document = render_markdown(load_pact(SOURCE), approvals_of(session=session, version=1))
    assert "| Marketing | Mia Marketing | 2026-10-01 09:00 UTC |" in document
    assert "| Sales | Sam Sales | 2026-10-01 10:30 UTC |" in document


# The CLI, on the database named by LEADPACT_DATABASE_URL, through the real `leadpact` app.

def invoke(*args: str) -> tuple[int, str, str]:
    """Run `leadpact ARGS` and return exit code, stdout and stderr."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_flow(database_url: str, clock: SimulatedClock) -> None:
    invoke("users", "create", "--email", "mia@northwind.example", "--name", "Mia Marketing", "--role", "marketing")
    invoke("users", "create", "--email", "sam@northwind.example", "--name", "Sam Sales", "--role", "manager")
    code, out, _ = invoke("pact", "add", str(EXAMPLE), "--author", "mia@northwind.example", "--note", "first")
    assert (code, out.strip()) == (0, "1")
    assert invoke("pact", "approve", "1", "--as", "mia@northwind.example")[1].endswith("it is now draft\n")
    clock.advance(timedelta(hours=1))
    assert invoke("pact", "approve", "1", "--as", "sam@northwind.example")[1].endswith("it is now approved\n")
    code, out, _ = invoke("pact", "activate", "1", "--by", "sam@northwind.example")
    assert code == 0 and out.startswith("pact version 1 is active: 0 people re-evaluated, 0 moved in ")
    _, document, _ = invoke("pact", "show", "--version", "1")
    assert "| Marketing | Mia Marketing | 2026-10-01 09:00 UTC |" in document
    assert "| Sales | Sam Sales | 2026-10-01 10:00 UTC |" in document
    invoke("pact", "add", str(EXAMPLE))
    code, out, err = invoke("pact", "activate", "2", "--by", "sam@northwind.example")
    assert code == 1 and "pact version 2 is a draft" in err
    invoke("pact", "approve", "2", "--as", "mia@northwind.example")
    invoke("pact", "approve", "2", "--as", "sam@northwind.example")
    code, out, _ = invoke("pact", "activate", "2", "--by", "mia@northwind.example")
    assert code == 0 and "(version 1 retired)" in out
    listed = json.loads(invoke("pact", "list", "--json")[1])
    assert [(v["version"], v["state"], len(v["approvals"])) for v in listed] == [(1, "retired", 2), (2, "active", 2)]
    assert invoke("pact", "list")[1].splitlines()[1].startswith("*   2  active")
    invoke("pact", "add", str(EXAMPLE))
    assert invoke("pact", "retire", "3", "--by", "mia@northwind.example")[:2] == (0, "pact version 3 is retired\n")


def test_cli_refusals(database_url: str, clock: SimulatedClock) -> None:
    invoke("users", "create", "--email", "rob@northwind.example", "--name", "Rob", "--role", "rep")
    code, out, err = invoke("pact", "add", str(EXAMPLE.parent / "missing.yaml"))
    assert code == 1 and "cannot read" in out
    invoke("pact", "add", str(EXAMPLE))
    code, _, err = invoke("pact", "approve", "1", "--as", "rob@northwind.example")
    assert code == 1 and "rob@northwind.example is a rep" in err
    code, _, err = invoke("pact", "approve", "1", "--as", "nobody@northwind.example")
    assert code == 2 and "no user with email nobody@northwind.example" in err
    code, _, err = invoke("pact", "approve", "5", "--as", "rob@northwind.example")
    assert code == 2 and "no pact version 5" in err
    code, _, err = invoke("pact", "show")
    assert code == 2 and "give either a pact FILE or --version N" in err


def test_cli_add_invalid_prints_line_and_column_and_stores_nothing(database_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(SOURCE.replace("op: between", "op: betwixt", 1), encoding="utf-8")
    code, out, _ = invoke("pact", "add", str(broken))
    assert code == 1 and out.startswith(f"{broken}:") and "betwixt" in out
    assert json.loads(invoke("pact", "list", "--json")[1]) == []


def test_cli_diff_stored_versions_and_files(database_url: str, tmp_path: Path) -> None:
    second = tmp_path / "second.yaml"
    second.write_text(SECOND, encoding="utf-8")
    invoke("pact", "add", str(EXAMPLE))
    invoke("pact", "add", str(second))
    expected = '- name changed from "Northwind lead pact" to "Northwind lead pact, v2"\n'
    assert invoke("pact", "diff", "1", "2")[1] == expected
    assert invoke("pact", "diff", "1", str(second))[1] == expected
    assert invoke("pact", "diff", "2", "2")[1] == "No differences.\n"
    code, _, err = invoke("pact", "diff", "1", "9")
    assert code == 2 and "no pact version 9" in err

