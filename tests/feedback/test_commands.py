"""`leadpact handoffs …` and `leadpact outcome …` through the real CLI app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from leadpact.cli import app
from tests.feedback.test_feedback import ALLOWED, handed_off

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    """Run `leadpact ARGS` and return exit code, stdout and stderr."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_rep_works_a_handoff_from_the_command_line(world):
    handoff_id, person_id = handed_off()
    code, out, _ = invoke("handoffs", "list", "--rep", "sam@nw.example")
    assert code == 0 and out.startswith(f"#{handoff_id:<5} hot  open      Jo Smith <jo@acme.example>")
    assert json.loads(invoke("handoffs", "list", "--json")[1])[0]["rep"]["email"] == "sam@nw.example"
    assert invoke("handoffs", "list", "--rep", "kim@nw.example")[1] == "No handoffs yet.\n"
    code, out, _ = invoke("handoffs", "show", str(handoff_id))
    assert code == 0
    assert "Why this rep: north_america round robin: Sam Park had 0 assignment(s)" in out
    assert "SLA: respond by 2026-10-01 12:15 UTC; first touch -" in out
    assert "Brief:\n  Jo Smith is at Acme (software, 800 employees, US)." in out
    assert "Timeline (newest first):\n  2026-10-01 11:30  Requested a demo on 'Book a demo'" in out
    assert json.loads(invoke("handoffs", "show", str(handoff_id), "--json")[1])["id"] == handoff_id

    assert invoke("handoffs", "contacted", str(handoff_id), "--by", "sam@nw.example")[:2] == (
        0, f"handoff {handoff_id}: first touch recorded, SLA clock stopped\n")
    assert invoke("handoffs", "accept", str(handoff_id), "--by", "sam@nw.example")[:2] == (
        0, f"handoff {handoff_id} accepted by sam@nw.example\n")
    assert invoke("outcome", "opportunity", str(person_id), "--by", "sam@nw.example", "--amount", "48000")[:2] == (
        0, f"opportunity #1 opened for person {person_id} (48,000 USD)\n")
    assert invoke("outcome", "lost", str(person_id), "--by", "sam@nw.example", "--reason", "price",
                  "--date", "2026-11-02")[:2] == (0, f"person {person_id} lost (opportunity #1 closed)\n")


def test_a_rejection_needs_a_reason_from_the_pact(world):
    handoff_id, _ = handed_off()
    code, out, err = invoke("handoffs", "reject", str(handoff_id), "--by", "sam@nw.example")
    assert (code, out) == (2, "") and err == f"error: a rejection needs exactly one reason, one of: {ALLOWED}\n"
    code, _, err = invoke("handoffs", "reject", str(handoff_id), "--by", "sam@nw.example", "--reason", "nope")
    assert code == 2 and err == f"error: unknown rejection reason 'nope'; use one of: {ALLOWED}\n"
    assert invoke("handoffs", "reject", str(handoff_id), "--by", "sam@nw.example", "--reason", "no_budget",
                  "--note", "next FY")[:2] == (0, f"handoff {handoff_id} rejected (no_budget): person nurture\n")
    assert invoke("handoffs", "show", "999")[0] == 2
