"""The pact in plain English: each condition and criterion as a sentence both teams can sign."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from leadpact.pact.durations import format_duration
from leadpact.pact.operators import OPERATORS
from leadpact.pact.schema import (
    AllOf,
    AnyOf,
    BuyingRoleTest,
    Count,
    EngagementCriterion,
    EventTest,
    FieldTest,
    FitCriterion,
    GradeTest,
    NoneOf,
    Pact,
    PersonaTest,
    ScoreTest,
)
from leadpact.pact.values import format_value

EVENT_TYPES = {"page": "a page view", "screen": "a screen view", "identify": "an identify call",
               "group": "a group call", "alias": "an alias call"}
COUNT_WORDS = {"gte": "at least", "gt": "more than", "lte": "at most", "lt": "fewer than", "eq": "exactly",
               "neq": "other than"}
READINESS_WORDS = {"company": "the company", "industry": "its industry", "company_size": "its size",
                   "role": "the person's role", "engagement": "the pages or assets they engaged with",
                   "problem": "the problem they are likely trying to solve"}


def field_name(path: str) -> str:
    """Write a field path as words: account.employees → 'account employees', properties.path → 'path'."""
    root, _, rest = path.partition(".")
    words = rest if root == "properties" else path
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", words)  # firstName → first Name
    return re.sub(r"[._]+", " ", words).lower().strip()


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def count_phrase(count: Count | None) -> str:
    """Write how many matching events are needed, or '' for the default of at least one."""
    if count is None or (count.op == "gte" and count.value == 1):
        return ""
    if count.op == "between":
        return f" between {format_value(count.value[0])} and {format_value(count.value[1])} times"
    times = "time" if count.value == 1 else "times"
    return f" {COUNT_WORDS[count.op]} {format_value(count.value)} {times}"


def describe(condition: Any, personas: Mapping[str, str] | None = None, nested: bool = False) -> str:
    """Return a condition in plain English; `personas` maps persona ids to labels."""
    personas = personas or {}
    if isinstance(condition, AllOf | AnyOf | NoneOf):
        children = condition.all if isinstance(condition, AllOf) else (
            condition.any if isinstance(condition, AnyOf) else condition.none)
        parts = [describe(c, personas, nested=True) for c in children]
        if isinstance(condition, NoneOf):
            return "not " + (parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")")
        text = (" and " if isinstance(condition, AllOf) else " or ").join(parts)
        return f"({text})" if nested and len(parts) > 1 else text
    if isinstance(condition, FieldTest):
        return f"{field_name(condition.field)} {OPERATORS[condition.op].phrase(condition.value)}"
    if isinstance(condition, EventTest):
        return event_phrase(condition)
    if isinstance(condition, ScoreTest):
        return f"{condition.score} score {OPERATORS[condition.op].phrase(condition.value)}"
    if isinstance(condition, GradeTest):
        return f"grade is {_either(condition.grade)}"
    if isinstance(condition, PersonaTest):
        return f"persona is {_either([personas.get(p, p) for p in condition.persona])}"
    if isinstance(condition, BuyingRoleTest):
        return "in a buying role" if condition.buying_role else "not in a buying role"
    return str(condition)


def event_phrase(test: EventTest) -> str:
    """Write an event test: 'a page view where path starts with "/pricing" in the last 7 days'."""
    name = test.event.strip()
    text = EVENT_TYPES.get(name.lower(), f'a "{name}" event')
    if test.where is not None:
        text += " where " + describe(test.where)
    text += count_phrase(test.count)
    if test.within_days is not None:
        days = test.within_days
        text += " in the last day" if days == 1 else f" in the last {format_value(days)} days"
    return text


def points_phrase(points: float, each: bool = False) -> str:
    """Write points with their sign: '+30 points', '-25 points', '+10 points each'."""
    sign = "+" if points >= 0 else "-"
    unit = "point" if abs(points) == 1 else "points"
    return f"{sign}{format_value(abs(points))} {unit}{' each' if each else ''}"


def criterion_phrase(criterion: FitCriterion | EngagementCriterion, personas: Mapping[str, str]) -> str:
    """Write a criterion's rule and points: 'account employees is between 200 and 5,000 (+30 points)'."""
    if isinstance(criterion, EngagementCriterion):
        limit = f", at most {criterion.max_per_day} a day" if criterion.max_per_day is not None else ""
        return f"{describe(criterion.when, personas)} ({points_phrase(criterion.points, each=True)}{limit})"
    return f"{describe(criterion.when, personas)} ({points_phrase(criterion.points)})"


def persona_labels(pact: Pact) -> dict[str, str]:
    """Return persona ids mapped to their labels."""
    return {p.id: p.label for p in pact.personas}


def ready_sentence(pact: Pact) -> str:
    """Return the 'A lead is ready when …' sentence: the pact's own, or one generated from its rules."""
    if pact.ready_when:
        return pact.ready_when.strip()
    labels = persona_labels(pact)
    parts = []
    if pact.stages.hot:
        parts.append(f"{describe(pact.stages.hot.when, labels)} (a hot lead)")
    if pact.stages.mql:
        parts.append(f"{describe(pact.stages.mql.when, labels)} (a marketing-qualified lead)")
    if not parts:
        return "A lead is ready when … (this pact defines no stages yet)."
    sentence = "A lead is ready when " + ", or when ".join(parts)
    if pact.disqualify:
        sentence += ", unless " + " or ".join(describe(d.when, labels, nested=True) for d in pact.disqualify)
    return sentence + "."


def assignment_phrase(assign: Any) -> str:
    """Write a routing assignment."""
    if isinstance(assign, str):
        return "the account owner" if assign == "account_owner" else assign
    if hasattr(assign, "team"):
        return f"team {assign.team}, {assign.method.replace('_', ' ')}"
    return f"rep {assign.rep}"


def duration_phrase(duration: Any) -> str:
    """Write a duration, or 'not set'."""
    return format_duration(duration) if duration is not None else "not set"
