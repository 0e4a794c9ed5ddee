"""From evidence to the next pact: find the groups sales keeps rejecting and that never win, and propose to stop
handing them off — each edit with its reason in words and the counts behind it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import yaml

from leadpact.insights.proposals.evidence import Decided
from leadpact.insights.proposals.replay import Replay, replay
from leadpact.pact import Catalog, Pact, compile_pact, load_pact

MIN_GROUP = 10  # a group smaller than this is an anecdote, not evidence
KEEP_WON = 0.95  # the proposal must keep at least this share of the deals the current pact won
WON_COST = 0.25  # points of acceptance a rule must buy for each share of won deals it gives up
SIZE_FLOORS = (10, 25, 50, 75, 100, 150, 200)
SIZE_CEILINGS = (1_000, 2_000, 3_000, 5_000, 10_000)


@dataclass
class Edit:
    """One proposed change: a disqualifier, why, and the counts that justify it."""

    id: str
    label: str
    when: dict[str, Any]
    excluded: int
    accepted: int
    won: int
    reasons: dict[str, int] = field(default_factory=dict)

    def sentence(self) -> str:
        """The edit in words, with its evidence."""
        top = ", ".join(f"{r} {n}" for r, n in Counter(self.reasons).most_common(3))
        return (
            f"Stop handing off {self.label}: sales accepted {self.accepted} of {self.excluded} "
            f"({self.accepted / self.excluded:.0%}) and {self.won} became won deals"
            + (f"; rejections said {top}." if top else ".")
        )


@dataclass
class Proposal:
    """A new pact (YAML) and the edits that make it, with the replay of both pacts on the decided handoffs."""

    source: str
    edits: list[Edit]
    before: Replay
    after: Replay
    won_before: int

    @property
    def note(self) -> str:
        """The reasoning, as the note on the draft version."""
        gain = (self.after.acceptance_rate or 0) - (self.before.acceptance_rate or 0)
        kept = self.after.won / self.won_before if self.won_before else 1.0
        lines = [e.sentence() for e in self.edits]
        lines.append(
            f"Replayed on {self.before.qualified} decided handoffs: acceptance "
            f"{self.before.acceptance_rate or 0:.0%} → {self.after.acceptance_rate or 0:.0%} "
            f"({gain * 100:+.1f} points), keeping {self.after.won} of {self.won_before} won deals ({kept:.0%})."
        )
        return "\n".join(lines)


def candidates(pact: Pact, decided: list[Decided]) -> list[tuple[str, str, dict[str, Any]]]:
    """Conditions worth testing, as (id, label, condition): personas, grades, size bands, industries, seniority,
    departments and free-mail — each a group the data can speak about."""
    found: list[tuple[str, str, dict[str, Any]]] = []
    for persona in pact.personas:
        found.append((f"persona_{persona.id}", f"the {persona.label} persona", {"persona": [persona.id]}))
    if pact.personas:
        found.append(
            ("no_persona", "people who match no persona", {"none": [{"persona": [p.id for p in pact.personas]}]})
        )
    for grade in pact.fit.grades if pact.fit else {}:
        found.append((f"grade_{grade}", f"fit grade {grade}", {"grade": [grade]}))
    for floor in SIZE_FLOORS:
        found.append(
            (
                f"under_{floor}",
                f"companies under {floor:,} employees",
                {"field": "account.employees", "op": "lt", "value": floor},
            )
        )
    for ceiling in SIZE_CEILINGS:
        found.append(
            (
                f"over_{ceiling}",
                f"companies over {ceiling:,} employees",
                {"field": "account.employees", "op": "gt", "value": ceiling},
            )
        )
    for key, label in (("industry", "industry"), ("seniority", "seniority"), ("department", "department")):
        source = "account" if key == "industry" else "person"
        values = Counter(
            str((d.account if source == "account" else d.person) or {}).lower()
            and ((d.account or {}) if source == "account" else d.person).get(key)
            for d in decided
        )
        for value, count in values.items():
            if isinstance(value, str) and count >= MIN_GROUP:
                slug = "".join(c if c.isalnum() else "_" for c in value.lower())
                found.append(
                    (f"{key}_{slug}", f"{label} {value}", {"field": f"{source}.{key}", "op": "eq", "value": value})
                )
    found.append(
        ("freemail", "free-mail addresses", {"field": "person.email_domain", "op": "in_list", "value": "freemail"})
    )
    return found


def propose(pact_source: str, decided: list[Decided], catalog: Catalog) -> Proposal:
    """Derive the next pact from the decided handoffs: greedily add the disqualifier that raises acceptance most
    while the pact keeps KEEP_WON of its won deals; stop when no group helps by half a point."""
    pact = load_pact(pact_source)
    tests = candidates(pact, decided)
    matrix = _matches(pact_source, tests, decided, catalog)
    tests += _pairs(tests, matrix, decided)
    won_total = sum(d.won for d in decided)
    remaining = set(range(len(decided)))
    chosen: list[Edit] = []
    while True:
        base = _rate(decided, remaining)
        best: tuple[float, Edit, set[int]] | None = None
        for test_id, label, when in tests:
            if any(e.id == test_id for e in chosen):
                continue
            hit = {i for i in remaining if test_id in matrix[i]}
            if len(hit) < MIN_GROUP:
                continue
            kept = remaining - hit
            won_kept = sum(decided[i].won for i in kept)
            if won_total and won_kept < KEEP_WON * won_total:
                continue
            gain = _rate(decided, kept) - base
            # Each won deal a rule would have turned away costs: prefer groups that lose none.
            score = gain - WON_COST * sum(decided[i].won for i in hit) / max(won_total, 1)
            if gain > 0.005 and score > 0 and (best is None or score > best[0]):
                edit = Edit(
                    test_id,
                    label,
                    when,
                    len(hit),
                    sum(decided[i].accepted for i in hit),
                    sum(decided[i].won for i in hit),
                    dict(Counter(decided[i].rejection_reason for i in hit if decided[i].rejection_reason)),
                )
                best = (score, edit, kept)
        if best is None:
            break
        chosen.append(best[1])
        remaining = best[2]
    source = _with_disqualifiers(pact_source, chosen)
    return Proposal(
        source, chosen, replay(pact, decided, catalog), replay(load_pact(source), decided, catalog), won_total
    )


def _matches(
    source: str, tests: list[tuple[str, str, dict[str, Any]]], decided: list[Decided], catalog: Catalog
) -> list[set[str]]:
    """Which test conditions hold for each decided person at their handoff: every test is a disqualifier of one
    probe pact, so one evaluation per person answers them all, with the live evaluator's exact semantics."""
    probe = load_pact(_with_disqualifiers(source, [Edit(t, label, when, 0, 0, 0) for t, label, when in tests]))
    compiled = compile_pact(probe)
    return [{d.id for d in item.evaluated(compiled, catalog).disqualified_by} for item in decided]


def _pairs(
    tests: list[tuple[str, str, dict[str, Any]]], matrix: list[set[str]], decided: list[Decided]
) -> list[tuple[str, str, dict[str, Any]]]:
    """Two weak groups together can be a strong one (say, individual contributors in marketing): pair the groups
    that sales accepts less often than average, marking each person who is in both."""
    overall = _rate(decided, set(range(len(decided))))
    members = {t: {i for i, hits in enumerate(matrix) if t in hits} for t, _label, _when in tests}
    weak = [t for t in tests if len(members[t[0]]) >= MIN_GROUP and _rate(decided, members[t[0]]) < overall]
    pairs = []
    for index, (first, first_label, first_when) in enumerate(weak):
        for second, second_label, second_when in weak[index + 1 :]:
            both = members[first] & members[second]
            if len(both) >= MIN_GROUP and both != members[first] and both != members[second]:
                pair_id = f"{first}__{second}"
                for i in both:
                    matrix[i].add(pair_id)
                pairs.append(
                    (pair_id, f"{first_label} who are also {second_label}", {"all": [first_when, second_when]})
                )
    return pairs


def _with_disqualifiers(source: str, edits: list[Edit]) -> str:
    data = yaml.safe_load(source)
    data["name"] = f"{data.get('name', 'Lead pact')} (proposed)"
    data.pop("ready_when", None)  # the sentence must be regenerated from the new rules
    data.setdefault("disqualify", [])
    taken = {d["id"] for d in data["disqualify"]}
    for edit in edits:
        if edit.id not in taken:
            data["disqualify"].append({"id": edit.id, "reason": f"proposed: {edit.label}", "when": edit.when})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _rate(decided: list[Decided], indices: set[int]) -> float:
    return sum(decided[i].accepted for i in indices) / len(indices) if indices else 0.0
