"""The starting pact is valid format 1, speaks the demo's vocabulary, and qualifies the wrong people."""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml

from leadpact.demo import REJECTION_REASONS, STARTING_PACT_PATH, DemoCompany
from leadpact.pact import compile_pact, evaluate, load_pact_file, resolve
from leadpact.pact.offline import normalise_message


def _walk(node: Any) -> list[dict[str, Any]]:
    """Every mapping inside a parsed YAML tree."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def test_starting_pact_is_valid() -> None:
    pact = load_pact_file(STARTING_PACT_PATH)
    assert pact.leadpact == 1
    assert list(pact.rejection_reasons) == list(REJECTION_REASONS)
    assert list(pact.readiness.require) == ["company", "industry", "company_size", "role", "engagement", "problem"]
    assert pact.sla.hot.respond_within.total_seconds() == 15 * 60
    assert pact.sla.mql.respond_within.total_seconds() == 24 * 3600
    assert pact.sla.feedback_within.days == 5


def test_starting_pact_uses_what_the_generator_produces(small_company: DemoCompany,
                                                        small_events: list[dict[str, Any]]) -> None:
    document = yaml.safe_load(STARTING_PACT_PATH.read_text())
    produced = {m.get("event") or m["type"] for m in small_events}
    named = {node["event"] for node in _walk(document) if "event" in node}
    assert named <= produced, named - produced
    traits = {key for m in small_events if m["type"] == "identify" for key in m["traits"]}
    person_fields = {node["field"].split(".", 1)[1] for node in _walk(document)
                     if str(node.get("field", "")).startswith("person.")}
    assert person_fields <= traits | {"email_domain"}
    teams = {node["assign"]["team"] for node in document["routing"] if isinstance(node["assign"], dict)}
    assert teams == {team.id for team in small_company.teams}
    paths = {node["value"] for node in _walk(document) if node.get("field") == "properties.path"}
    site = {asset.path for asset in small_company.content}
    assert all(any(path.startswith(prefix) for path in site) for prefix in paths)
    assert set(document["lists"]["competitors"]) < {a.domain for a in small_company.accounts}


def test_starting_pact_qualifies_plenty_of_noise(small_company: DemoCompany,
                                                 small_events: list[dict[str, Any]]) -> None:
    """The point of the demo: volume-driven scoring hands sales students, job seekers and consultants."""
    compiled = compile_pact(load_pact_file(STARTING_PACT_PATH))
    people = resolve([normalise_message(m) for m in small_events], as_of=small_company.end)
    index, truth = small_company.person_by_identifier, small_company.truth
    content = {asset.id: asset.to_dict() for asset in small_company.content}
    qualified: Counter[str] = Counter()
    acceptance: list[float] = []
    for person in people:
        person_id = index.get(person.person.get("user_id") or "") or index.get(person.key)
        if person_id is None:
            continue
        result = evaluate(compiled, person=person.person, account=person.account, events=person.events,
                          content=content, as_of=small_company.end)
        if result.status in ("mql", "hot"):
            qualified[truth.people[person_id].noise_kind] += 1
            acceptance.append(truth.acceptance_probability(person_id, at=small_company.end))
    total = sum(qualified.values())
    assert total > 50
    assert (total - qualified["none"]) / total > 0.3
    assert sum(acceptance) / len(acceptance) < 0.35
