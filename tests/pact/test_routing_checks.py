"""Routing reachability: the account owner does not end the rules (it assigns only owned accounts); a rule that
assigns every lead does, and anything after it is refused with its line."""

from __future__ import annotations

import pytest

from leadpact.pact import validate_pact

HEAD = "leadpact: 1\nname: routing\nrouting:\n"


def rules(*lines: str) -> str:
    """A pact whose routing section is these rule lines (a line starting with spaces continues the rule above)."""
    return HEAD + "".join(f"  {line}\n" if line.startswith(" ") else f"  - {line}\n" for line in lines)


@pytest.mark.parametrize("text", [
    # SPEC §7 written plainly: owner, else territory team, else everyone.
    rules("assign: account_owner",
          "when: {field: account.country, op: in, value: [US, CA]}",
          "  assign: {team: north_america, method: weighted_round_robin}",
          "assign: {team: global, method: round_robin}"),
    rules("assign: account_owner", "assign: {team: global}"),
    rules("assign: account_owner", "assign: {rep: ann@nw.example}"),
    rules("when: {field: account.owner, op: exists}", "  assign: account_owner", "assign: {team: global}"),
    rules("assign: account_owner"),
])
def test_rules_after_an_unconditional_account_owner_are_reached(text: str) -> None:
    pact, errors = validate_pact(text)
    assert errors == [] and pact is not None


@pytest.mark.parametrize(("text", "line", "message"), [
    (rules("assign: {team: global}", "assign: account_owner"), 5,
     "routing rule 2 is never reached: rule 1 has no 'when' and always assigns"),
    (rules("assign: account_owner", "assign: {team: global}", "assign: {team: north_america}"), 6,
     "routing rule 3 is never reached: rule 2 has no 'when' and always assigns"),
    (rules("assign: {rep: ann@nw.example}", "when: {field: account.country, op: eq, value: US}",
           "  assign: {team: north_america}"), 5,
     "routing rule 2 is never reached: rule 1 has no 'when' and always assigns"),
    (rules("assign: account_owner", "assign: account_owner"), 5,
     "routing rule 2 is never reached usefully: rule 1 already tries the account owner for every lead"),
])
def test_rules_after_one_that_assigns_every_lead_are_refused(text: str, line: int, message: str) -> None:
    pact, errors = validate_pact(text)
    assert pact is None
    assert [(e.line, e.message) for e in errors] == [(line, message)]


def test_only_the_first_unreachable_rule_is_reported() -> None:
    _, errors = validate_pact(rules("assign: {team: a}", "assign: {team: b}", "assign: {team: c}"))
    assert [e.message for e in errors] == ["routing rule 2 is never reached: rule 1 has no 'when' and always assigns"]
