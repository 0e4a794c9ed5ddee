"""`leadpact export EMAIL`: one JSON document with everything held about the person."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leadpact.cli import app
from tests.privacy.conftest import ANONYMOUS_ID, EMAIL, IP, USER_ID, snapshot


def test_export_holds_the_persons_events_evaluation_handoffs_and_transitions(story, engine) -> None:
    before = snapshot(engine)
    result = CliRunner().invoke(app, ["export", EMAIL])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert snapshot(engine) == before  # an export reads only

    [person] = document["people"]
    assert (person["id"], person["email"], person["first_name"], person["phone"]) == (
        story.zephyrine, EMAIL, "Zephyrine", "+44 7700 900461")
    assert {(i["kind"], i["value"]) for i in document["identities"]} == {
        ("anonymous_id", ANONYMOUS_ID), ("user_id", USER_ID), ("email", EMAIL)}
    assert [a["domain"] for a in document["accounts"]] == ["acme.example"]
    # Every event, anonymous visit included, with its context (IP and user agent are hers too).
    assert [e["message_id"] for e in document["events"]] == ["zq-1", "zq-2", "zq-3", "zq-4"]
    assert document["events"][0]["context"]["ip"] == IP and document["events"][1]["traits"]["lastName"] == "Quagmire"
    [evaluation] = document["evaluations"]
    assert evaluation["person_id"] == story.zephyrine and evaluation["grade"] and evaluation["persona"] == "data_leader"
    [handoff] = document["handoffs"]
    assert handoff["id"] == story.handoffs["zephyrine"] and handoff["brief"].startswith("Zephyrine Quagmire is at Acme")
    assert handoff["timeline"]["events"] and handoff["qualification"]["budget"] == "approved by Zephyrine Quagmire"
    moves = [(t["from_status"], t["to_status"]) for t in document["transitions"]]
    assert moves[0][0] == "anonymous" and ("hot", "handed_off") in moves and moves[-1] == ("opportunity", "won")
    assert all(t["person_id"] == story.zephyrine for t in document["transitions"])
    assert [o["amount"] for o in document["opportunities"]] == [42_000]
    assert {t["kind"] for t in document["timers"]} >= {"sla_breach", "feedback_due"}
    assert {c["crm_id"] for c in document["crm_records"]} == {"hs-991-zq", "hs-note-4471-zq", "hs-task-4472-zq"}
    # The notifications about her, without the transport's secrets or the webhook's URL.
    assert {n["topic"] for n in document["notifications"]} >= {"handoff.created"}
    assert all(n["destination"] == "channel:1" or "@" in n["destination"] for n in document["notifications"])
    # Nobody else: Jo's data is not in her document.
    assert "jo@acme.example" not in result.stdout and "Jo Smith" not in result.stdout


def test_export_to_a_file(story, tmp_path) -> None:
    out = tmp_path / "export.json"
    result = CliRunner().invoke(app, ["export", EMAIL, "--out", str(out)])
    assert result.exit_code == 0 and f"wrote {out}" in result.output
    assert json.loads(out.read_text())["email"] == EMAIL


def test_export_of_an_unknown_or_erased_person_is_refused(story) -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["export", "nobody@acme.example"])
    assert unknown.exit_code == 2 and "nobody is known by nobody@acme.example" in unknown.output
    assert runner.invoke(app, ["erase", EMAIL]).exit_code == 0
    erased = runner.invoke(app, ["export", EMAIL])
    assert erased.exit_code == 2 and f"nobody is known by {EMAIL}" in erased.output


def test_export_does_not_give_away_a_colleague_the_routing_reason_names(story) -> None:
    result = CliRunner().invoke(app, ["export", EMAIL])
    document = json.loads(result.stdout)
    [handoff] = document["handoffs"]
    assert handoff["routing_reason"].endswith("already works [erased]'s handoff from Acme")
