"""The pact commands through the CLI runner: validate, show, diff, score."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from leadpact.pact.commands import register

from .conftest import EXAMPLE

BROKEN = Path(__file__).parent / "broken"
app = typer.Typer()
register(app)
runner = CliRunner()


def test_validate_valid() -> None:
    result = runner.invoke(app, ["pact", "validate", str(EXAMPLE)])
    assert result.exit_code == 0
    assert result.stdout.strip().endswith('valid pact "Northwind lead pact": 2 personas, 3 fit criteria, '
                                          "2 engagement criteria, stages mql, hot, 1 disqualifiers, "
                                          "3 examples that the rules agree with")


def test_validate_invalid_prints_file_line_column() -> None:
    path = BROKEN / "unknown_operator.yaml"
    result = runner.invoke(app, ["pact", "validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{path}:8:11: unknown operator 'equals'")


def test_validate_missing_file() -> None:
    result = runner.invoke(app, ["pact", "validate", "/nonexistent/pact.yaml"])
    assert result.exit_code == 1 and "cannot read" in result.stdout


def test_show_markdown_and_html() -> None:
    markdown = runner.invoke(app, ["pact", "show", str(EXAMPLE)])
    assert markdown.exit_code == 0 and markdown.stdout.startswith("# Northwind lead pact")
    html = runner.invoke(app, ["pact", "show", str(EXAMPLE), "--format", "html"])
    assert html.exit_code == 0 and html.stdout.startswith("<!doctype html>")
    assert runner.invoke(app, ["pact", "show", str(EXAMPLE), "--format", "pdf"]).exit_code != 0


def test_diff(tmp_path: Path) -> None:
    changed = tmp_path / "v2.yaml"
    changed.write_text(EXAMPLE.read_text().replace("half_life_days: 14", "half_life_days: 7"))
    result = runner.invoke(app, ["pact", "diff", str(EXAMPLE), str(changed)])
    assert result.exit_code == 0
    assert result.stdout == "- engagement half-life changed from 14 days to 7 days\n"
    same = runner.invoke(app, ["pact", "diff", str(EXAMPLE), str(EXAMPLE)])
    assert same.stdout == "No differences.\n"


def test_score(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text("\n".join([
        json.dumps({"type": "page", "anonymousId": "a1", "properties": {"path": "/pricing"},
                    "timestamp": "2024-05-01T00:00:00Z", "messageId": "m1"}),
        json.dumps({"type": "identify", "anonymousId": "a1", "userId": "u1", "timestamp": "2024-05-01T00:01:00Z",
                    "traits": {"email": "dana@acme.example", "department": "data", "seniority": "vp"}}),
        json.dumps({"batch": [
            {"type": "group", "userId": "u1", "groupId": "g1", "timestamp": "2024-05-01T00:02:00Z",
             "traits": {"name": "Acme", "industry": "software", "employees": 800, "domain": "acme.example"}},
            {"type": "track", "userId": "u1", "event": "Demo Requested", "timestamp": "2024-05-08T00:00:00Z",
             "properties": {"asset_id": "demo"}}]}),
        "garbage",
        json.dumps({"type": "identify", "userId": "u2", "traits": {"email": "sam@gmail.com"},
                    "timestamp": "2024-05-02T00:00:00Z"}),
    ]))
    content = tmp_path / "content.csv"
    content.write_text("id,title,path,topic,problem,funnel_stage\n"
                       "demo,Demo,/demo,product,slow pipelines,decision\n")
    result = runner.invoke(app, ["score", "--pact", str(EXAMPLE), "--events", str(events), "--content",
                                 str(content), "--as-of", "2024-05-15T00:00:00Z", "--json"])
    assert result.exit_code == 0, result.output
    assert f"{events}:4: invalid JSON" in result.stderr
    dana, sam = [json.loads(line) for line in result.stdout.splitlines()]
    # pricing at age 14 days: 10 × 0.5 = 5; demo at age 7 days: 40 × 0.5^0.5 = 28.28; total 33.28
    assert (dana["person"], dana["fit_score"], dana["grade"], dana["engagement_score"]) == (
        "dana@acme.example", 50, "B", 33.28)
    assert (dana["persona"], dana["status"], dana["missing"]) == ("data_leader", "hot", [])
    assert [(m["id"], m["points"]) for m in dana["matched"]] == [
        ("size", 30), ("industry", 20), ("pricing_page", 5.0), ("demo", 28.28)]
    assert (sam["person"], sam["status"], sam["fit_score"]) == ("sam@gmail.com", "known", 0)
    assert sam["missing"] == ["company", "industry", "company_size", "role", "engagement", "problem"]


def test_score_text_output_and_bad_time(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(json.dumps({"type": "identify", "userId": "u2", "traits": {"email": "sam@gmail.com"},
                                  "timestamp": "2024-05-02T00:00:00Z"}) + "\n")
    result = runner.invoke(app, ["score", "--pact", str(EXAMPLE), "--events", str(events), "--as-of", "2024-05-15"])
    assert result.exit_code == 0
    assert result.stdout.startswith("sam@gmail.com: known, fit 0 (D), engagement 0.0, persona -")
    bad = runner.invoke(app, ["score", "--pact", str(EXAMPLE), "--events", str(events), "--as-of", "soon"])
    assert bad.exit_code != 0
