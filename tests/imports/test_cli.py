"""`leadpact import …` end to end through the CLI: JSON summary, dry run, rejects file, usage errors."""

from __future__ import annotations

import csv
import json

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from leadpact.db import session_scope
from leadpact.imports import commands
from leadpact.people.models import Account, ContentAsset, Person
from tests.imports.helpers import write_csv, write_jsonl, write_xlsx


@pytest.fixture
def app() -> typer.Typer:
    """The full `leadpact` app, or just this domain's commands if another domain's module is mid-edit."""
    try:
        from leadpact.cli import app as full_app

        return full_app
    except Exception:
        bare = typer.Typer()
        commands.register(bare)
        return bare


def invoke(app, *args):
    return CliRunner().invoke(app, ["import", *map(str, args)])


def emails():
    with session_scope() as session:
        return set(session.scalars(select(Person.email)))


@pytest.fixture
def people_csv(tmp_path):
    return write_csv(tmp_path / "people.csv", ["E-mail", "First Name", "Company", "Employees"],
                     ["ann@acme.io", "Ann", "Acme", "50"], ["", "Nobody", "X", ""],
                     ["bob@gmail.com", "Bob", "Acme", "many"], ["cy@gmail.com", "Cy", "Acme", ""])


def test_people_json_summary(app, database_url, clock, people_csv):
    result = invoke(app, "people", people_csv, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "kind": "people", "dry_run": False, "read": 4, "stored": 2, "updated": 0, "duplicates": 0, "rejected": 2,
        "rejections": [
            {"row": 3, "reason": "email is missing"},
            {"row": 4, "reason": "employees 'many' is not a number"},
        ],
    }
    assert emails() == {"ann@acme.io", "cy@gmail.com"}
    again = json.loads(invoke(app, "people", people_csv, "--json").stdout)
    assert (again["stored"], again["updated"]) == (0, 2)


def test_dry_run_stores_nothing_and_reports_the_same_counts(app, database_url, clock, people_csv):
    dry = invoke(app, "people", people_csv, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert emails() == set()
    with session_scope() as session:
        assert session.scalars(select(Account)).all() == []
    real = json.loads(invoke(app, "people", people_csv, "--json").stdout)
    summary = json.loads(dry.stdout)
    assert summary.pop("would_store") == real.pop("stored") == 2
    assert summary.pop("dry_run") is True and real.pop("dry_run") is False
    assert summary == real


def test_human_report_and_rejects_file(app, database_url, clock, people_csv, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = invoke(app, "people", people_csv, "--rejects", rejects)
    assert result.exit_code == 0, result.output
    assert "people: read 4, stored 2, updated 0, rejected 2" in result.stdout
    assert "row 3: email is missing" in result.stdout
    with rejects.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["row"], r["E-mail"], r["First Name"], r["reason"]) for r in rows] == [
        ("3", "", "Nobody", "email is missing"),
        ("4", "bob@gmail.com", "Bob", "employees 'many' is not a number"),
    ]


def test_unknown_mapping_target_exits_2_naming_it(app, database_url, people_csv):
    result = invoke(app, "people", people_csv, "--map", "E-mail=emial")
    assert result.exit_code == 2
    assert "unknown field 'emial' for people" in result.stderr
    assert "allowed fields: email, first_name" in result.stderr
    assert emails() == set()


def test_mapping_file_and_map_option(app, database_url, clock, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["Work Address", "Org", "Role"], ["ann@acme.io", "Acme", "Head of Data"])
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Work Address: email\nOrg: company\n")
    result = invoke(app, "people", path, "--mapping", mapping, "--map", "Role=title", "--json")
    assert result.exit_code == 0, result.output
    with session_scope() as session:
        ann = session.scalar(select(Person))
        assert (ann.email, ann.company_name, ann.title) == ("ann@acme.io", "Acme", "Head of Data")


def test_xlsx_sheet_option_and_unknown_sheet(app, database_url, clock, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", ["Domain", "Account Name"], ["acme.io", "Acme"], sheet="Accounts",
                      first_sheet="Readme")
    result = invoke(app, "accounts", path, "--sheet", "Accounts", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stored"] == 1
    missing = invoke(app, "accounts", path, "--sheet", "Nope")
    assert missing.exit_code == 2 and "no sheet 'Nope'; its sheets are Readme, Accounts" in missing.stderr


def test_events_and_content_commands(app, database_url, clock, tmp_path):
    events = write_jsonl(tmp_path / "e.jsonl", {"type": "page", "anonymousId": "a", "messageId": "p1"}, "nope")
    summary = json.loads(invoke(app, "events", events, "--json").stdout)
    assert (summary["stored"], summary["rejected"]) == (1, 1)
    assert summary["rejections"][0]["row"] == 2
    content = write_csv(tmp_path / "c.csv", ["id", "title", "funnel_stage"], ["g1", "Guide", "evaluation"])
    result = invoke(app, "content", content, "--json")
    assert json.loads(result.stdout)["rejections"] == [
        {"row": 2, "reason": "funnel_stage 'evaluation' is not one of awareness, consideration, decision"}
    ]
    with session_scope() as session:
        assert session.scalars(select(ContentAsset)).all() == []


def test_missing_file_exits_2(app, database_url, tmp_path):
    result = invoke(app, "people", tmp_path / "missing.csv")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_a_fixed_rejects_file_imports_without_its_bookkeeping_columns(app, database_url, clock, people_csv, tmp_path):
    rejects = tmp_path / "rejects.csv"
    invoke(app, "people", people_csv, "--rejects", rejects)
    text = rejects.read_text(encoding="utf-8").replace(",,Nobody,", ",nobody@x.io,Nobody,").replace(",many,", ",9,")
    rejects.write_text(text, encoding="utf-8")
    summary = json.loads(invoke(app, "people", rejects, "--json").stdout)
    assert (summary["stored"], summary["rejected"]) == (2, 0)
    with session_scope() as session:
        bob = session.scalar(select(Person).where(Person.email == "bob@gmail.com"))
        assert "reason" not in bob.traits and "row" not in bob.traits


def test_a_csv_cell_over_131072_characters_rejects_its_row_and_keeps_the_others(app, database_url, clock, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(f"email,note\nann@acme.io,ok\nbob@acme.io,{'x' * 140_000}\ncy@acme.io,fine\n", encoding="utf-8")
    result = invoke(app, "people", path, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["stored"], summary["rejections"]) == (2, [
        {"row": 3, "reason": "column 'note' holds 140,000 characters; a cell may hold at most 131,072"}])
    assert emails() == {"ann@acme.io", "cy@acme.io"}


def test_an_xlsx_xml_bomb_is_refused_with_a_clear_error(app, database_url, clock, tmp_path):
    import zipfile

    good = write_xlsx(tmp_path / "good.xlsx", ["email"], ["ann@acme.io"])
    bomb = tmp_path / "bomb.xlsx"
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 9))
    with zipfile.ZipFile(good) as original, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            data = original.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = f"<!DOCTYPE worksheet [{entities}]>".encode() + data.replace(b"ann@acme.io", b"&a8;")
            copy.writestr(item, data)
    result = invoke(app, "people", bomb)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: bomb.xlsx: part xl/worksheets/sheet1.xml declares a DTD")
    assert emails() == set()


def test_a_european_excel_export_imports_people(app, database_url, clock, tmp_path):
    path = tmp_path / "kontakte.csv"
    path.write_bytes("E-Mail;Vorname;Firma;Mitarbeiter\r\njürgen@müller.example;Jürgen;Müller GmbH;1.200\r\n"
                     "anna@acme.io;Anna;Acme;50\r\n".encode("cp1252"))
    result = invoke(app, "people", path, "--map", "Vorname=first_name", "--map", "Firma=company", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stored"] == 2
    assert emails() == {"jürgen@müller.example", "anna@acme.io"}
