"""The brief: six sentences a rep reads before calling, built only from data (SPEC §7).

(1) company, industry, size; (2) role and whether it is a buying role; (3) the named pages and assets engaged
with, counts and recency; (4) the likely problem, from the catalog's problems weighted by engagement; (5) urgency:
hot signal, velocity, stated timeline; (6) why now: the pact criteria that fired. The same data and moment always
give the same words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from leadpact.handoff import activity as act
from leadpact.pact import Catalog, CompiledPact, Evaluation
from leadpact.people.models import Account, Person

# Hot signals the brief names even when the pact's hot stage does not mention them.
HOT_SIGNALS = {"Demo Requested": "requested a demo", "Pricing Requested": "requested pricing"}
SHOWN_ITEMS = 3
SHOWN_CRITERIA = 6


@dataclass(frozen=True)
class Brief:
    """The brief's text, its sentences, the structured answers it was written from, and the recent timeline."""

    text: str
    sentences: list[str]
    facts: dict[str, Any]
    timeline: list[dict[str, Any]]


def write_brief(
    *, person: Person, account: Account | None, events: Sequence[Mapping[str, Any]], catalog: Catalog,
    evaluation: Evaluation, compiled: CompiledPact, tier: str, pact_version: int | None, now: datetime,
) -> Brief:
    """Return the brief for a person handed off at `now` (deterministic for the same data and moment)."""
    found = act.activities(events, catalog)
    half_life = compiled.half_life_days
    facts: dict[str, Any] = {
        "company": company_facts(person, account),
        "role": role_facts(person, evaluation, compiled),
        "engagement": engagement_facts(found, now, half_life),
        "problem": problem_facts(found, now, half_life),
        "urgency": urgency_facts(person, events, found, compiled, now),
        "why_now": why_now_facts(evaluation, tier, pact_version),
    }
    first = person.first_name or "They"
    sentences = [
        company_sentence(person, facts["company"]),
        role_sentence(facts["role"]),
        engagement_sentence(first, facts["engagement"]),
        problem_sentence(facts["problem"]),
        urgency_sentence(facts["urgency"]),
        why_now_sentence(facts["why_now"]),
    ]
    facts["sentences"] = sentences
    return Brief(" ".join(sentences), sentences, facts, act.timeline(found))


def full_name(person: Person) -> str:
    """The person's name, else their email, else their id."""
    return " ".join(p for p in (person.first_name, person.last_name) if p) or person.email or f"Person {person.id}"


def company_facts(person: Person, account: Account | None) -> dict[str, Any]:
    """Question 1: what company, industry and size."""
    return {
        "name": (account.name if account else None) or person.company_name,
        "domain": account.domain if account else None,
        "industry": account.industry if account else None,
        "employees": account.employees if account else None,
        "country": account.country if account else None,
    }


def company_sentence(person: Person, company: Mapping[str, Any]) -> str:
    """'Jo Smith is at Acme (software, 800 employees, US).'"""
    details = [company["industry"] or "industry unknown",
               f"{company['employees']:,} employees" if company["employees"] is not None else "size unknown"]
    if company["country"]:
        details.append(company["country"])
    return f"{full_name(person)} is at {company['name'] or 'an unknown company'} ({', '.join(details)})."


def role_facts(person: Person, evaluation: Evaluation, compiled: CompiledPact) -> dict[str, Any]:
    """Question 2: what role, and whether the pact counts it as a buying role."""
    labels = {p.id: p.label for p in compiled.pact.personas}
    return {"title": person.title, "seniority": person.seniority, "department": person.department,
            "persona": evaluation.persona, "persona_label": labels.get(evaluation.persona or ""),
            "buying_role": evaluation.buying_role}


def role_sentence(role: Mapping[str, Any]) -> str:
    """'Their role is VP Data: persona Data leader, a buying role.'"""
    title = f"Their role is {role['title']}" if role["title"] else "Their title is not given"
    if role["persona"] is None:
        return f"{title}; no persona matched, so whether it is a buying role is unknown."
    buying = {True: "a buying role", False: "not a buying role"}.get(role["buying_role"], "buying role not stated")
    return f"{title}: persona {role['persona_label'] or role['persona']}, {buying}."


def engagement_facts(found: Sequence[act.Activity], now: datetime, half_life: float) -> dict[str, Any]:
    """Question 3: what they engaged with, named, with counts and recency (never a score)."""
    items = act.engaged_items(found, now, half_life)
    return {
        "actions": len(found),
        "named": len({i.title for i in items}),
        "since": found[0].at.isoformat() if found else None,
        "items": [{"verb": i.verb, "title": i.title, "asset_id": i.asset_id, "count": i.count,
                   "first_at": i.first_at.isoformat(), "last_at": i.last_at.isoformat(),
                   "recency": act.ago(i.last_at, now), "this_week": now - i.first_at <= act.WEEK,
                   "weight": round(i.weight, 3)} for i in items],
    }


def item_words(item: Mapping[str, Any]) -> str:
    """'downloaded 'Cutting warehouse cost' 3 days ago' / 'viewed 'Pricing' 4 times this week'."""
    head = f"{item['verb']} '{item['title']}'"
    if item["count"] == 1:
        return f"{head} {item['recency']}"
    if item["this_week"]:
        return f"{head} {act.times(item['count'])} this week"
    return f"{head} {act.times(item['count'])}, last {item['recency']}"


def engagement_sentence(first: str, engagement: Mapping[str, Any]) -> str:
    """'Jo engaged with 5 named pages and assets (12 actions in all): downloaded …; viewed …'."""
    items = engagement["items"]
    if not items:
        return f"{first} has no engagement with a named page or asset on record ({engagement['actions']} actions)."
    shown = "; ".join(item_words(i) for i in items[:SHOWN_ITEMS])
    more = len(items) - SHOWN_ITEMS
    tail = f"; and {more} more" if more > 0 else ""
    return (f"{first} engaged with {_count(engagement['named'], 'named page or asset', 'named pages and assets')} "
            f"({_count(engagement['actions'], 'action', 'actions')} in all): {shown}{tail}.")


def problem_facts(found: Sequence[act.Activity], now: datetime, half_life: float) -> dict[str, Any]:
    """Question 4: the likely problem, from the catalog problems of what they engaged with, by weight."""
    ranked = act.likely_problems(found, now, half_life)
    top = ranked[0] if ranked else None
    total = sum(p["weight"] for p in ranked)
    # A second problem is worth a mention only when it weighs at least half the first.
    runner_up = ranked[1] if top and len(ranked) > 1 and ranked[1]["weight"] >= top["weight"] / 2 else None
    return {"problem": top["problem"] if top else None,
            "share": round(top["weight"] / total, 3) if top and total else None,
            "assets": top["assets"] if top else [], "runner_up": runner_up["problem"] if runner_up else None,
            "ranked": ranked}


def problem_sentence(problem: Mapping[str, Any]) -> str:
    """'The likely problem is cost of warehouse (80% of weighted engagement), led by 'Buyer's guide …'.'"""
    if problem["problem"] is None:
        return "The likely problem is unknown: nothing they engaged with is in the content catalog with a problem."
    assets = [f"'{title}'" for title in problem["assets"]]
    led = " and ".join(assets[:2]) + (f" and {len(assets) - 2} more" if len(assets) > 2 else "")
    text = (f"The likely problem is {problem['problem']} ({problem['share']:.0%} of their weighted engagement), "
            f"shown by {led}")
    if problem["runner_up"]:
        text += f"; there is some interest in {problem['runner_up']} too"
    return text + "."


def hot_signal_names(compiled: CompiledPact) -> list[str]:
    """The event names in the pact's hot stage (the pact's own hot signals), plus the usual demo and pricing."""
    names: list[str] = []

    def walk(condition: Any) -> None:
        if condition is None:
            return
        if getattr(condition, "event", None) and isinstance(condition.event, str):
            names.append(condition.event)
        for key in ("all", "any"):
            for child in getattr(condition, key, None) or []:
                walk(child)

    hot = compiled.pact.stages.hot
    walk(hot.when if hot else None)
    return sorted(set(names) | set(HOT_SIGNALS))


def urgency_facts(person: Person, events: Sequence[Mapping[str, Any]], found: Sequence[act.Activity],
                  compiled: CompiledPact, now: datetime) -> dict[str, Any]:
    """Question 5: the latest hot signal and when, velocity, and a timeline they stated."""
    signals = set(hot_signal_names(compiled))
    hot = next((a for a in reversed(found) if a.event in signals), None)
    stated = act.stated_timeline(person.traits or {}, events)
    return {
        "hot_signal": None if hot is None else {
            "event": hot.event, "words": HOT_SIGNALS.get(hot.event, hot.event.lower()), "at": hot.at.isoformat(),
            "recency": act.ago(hot.at, now)},
        "velocity": act.velocity(found, now),
        "stated_timeline": None if stated is None else {
            "value": stated["value"], "source": stated["source"],
            "at": stated["at"].isoformat() if stated["at"] else None,
            "recency": act.ago(stated["at"], now) if stated["at"] else None},
    }


def urgency_sentence(urgency: Mapping[str, Any]) -> str:
    """'Urgency: requested a demo 2 hours ago; activity is accelerating, 9 actions this week against 1.5 a week
    before; stated timeline 'this quarter'.'"""
    hot, pace, stated = urgency["hot_signal"], urgency["velocity"], urgency["stated_timeline"]
    signal = f"{hot['words']} {hot['recency']}" if hot else "no demo or pricing request yet"
    weekly = f"{pace['weekly_before']:g}"
    parts = [signal, f"activity is {pace['trend']}, {_count(pace['this_week'], 'action', 'actions')} this week "
                     f"against {weekly} a week over the previous {pace['weeks_before']} weeks"]
    if stated:
        when = f" ({stated['recency']})" if stated["recency"] else ""
        parts.append(f"stated timeline '{stated['value']}'{when}")
    else:
        parts.append("no timeline stated")
    return "Urgency: " + "; ".join(parts) + "."


def why_now_facts(evaluation: Evaluation, tier: str, pact_version: int | None) -> dict[str, Any]:
    """Why now: the tier, the scores, and the pact criteria that fired with their points."""
    criteria = sorted(evaluation.matched, key=lambda m: (-m.points, m.section, m.id))
    return {"tier": tier, "pact_version": pact_version, "fit_score": evaluation.fit_score, "grade": evaluation.grade,
            "engagement_score": evaluation.engagement_score, "stages": list(evaluation.stages),
            "criteria": [{"section": m.section, "id": m.id, "label": m.label, "points": round(m.points, 2),
                          "occurrences": m.occurrences} for m in criteria]}


def why_now_sentence(why: Mapping[str, Any]) -> str:
    """'Why now (a hot signal under pact v3): Requested a demo (+38.2), …; fit 50 (grade B), engagement 57.7.'"""
    reached = "a hot signal" if why["tier"] == "hot" else "reached MQL"
    version = f" under pact v{why['pact_version']}" if why["pact_version"] is not None else ""
    criteria = why["criteria"]
    shown = ", ".join(f"{c['label']} ({_points(c['points'])})" for c in criteria[:SHOWN_CRITERIA])
    more = len(criteria) - SHOWN_CRITERIA
    shown += f" and {more} more" if more > 0 else ""
    grade = f" (grade {why['grade']})" if why["grade"] else ""
    return (f"Why now ({reached}{version}): {shown or 'no criteria fired'}; fit {_number(why['fit_score'])}{grade}, "
            f"engagement {_number(why['engagement_score'])}.")


def _points(points: float) -> str:
    return ("+" if points >= 0 else "-") + _number(abs(points))


def _number(value: float) -> str:
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded}"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many}"
