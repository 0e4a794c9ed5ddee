"""What changed between two pact versions, in words both teams can review."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from leadpact.pact.phrases import (
    assignment_phrase,
    criterion_phrase,
    describe,
    duration_phrase,
    persona_labels,
    points_phrase,
)
from leadpact.pact.schema import AllOf, AnyOf, NoneOf, Pact, ScoreTest
from leadpact.pact.values import format_value


def diff(a: Pact, b: Pact) -> list[str]:
    """Return, one sentence each, what changed from pact `a` to pact `b` (empty when nothing did)."""
    changes: list[str] = []
    if a.name != b.name:
        changes.append(f'name changed from "{a.name}" to "{b.name}"')
    if (a.ready_when or "").split() != (b.ready_when or "").split():
        changes.append(f'the "ready when" sentence changed to: "{" ".join((b.ready_when or "(generated)").split())}"')
    labels = {**persona_labels(a), **persona_labels(b)}
    changes += _personas(a, b, labels)
    changes += _grades(a, b)
    changes += _criteria("fit criterion", a.fit.criteria if a.fit else [], b.fit.criteria if b.fit else [], labels)
    half_a = a.engagement.half_life_days if a.engagement else None
    half_b = b.engagement.half_life_days if b.engagement else None
    if half_a != half_b:
        changes.append(f"engagement half-life changed from {_days(half_a)} to {_days(half_b)}")
    changes += _criteria("engagement criterion", a.engagement.criteria if a.engagement else [],
                         b.engagement.criteria if b.engagement else [], labels)
    for name in ("mql", "hot"):
        old, new = getattr(a.stages, name), getattr(b.stages, name)
        changes += _optional_rule(f"stage {name.upper()}", old and old.when, new and new.when, labels)
    changes += _keyed(a.disqualify, b.disqualify, "disqualifier", lambda d: d.reason, labels)
    changes += _added_removed("readiness item", a.readiness.require, b.readiness.require)
    changes += _routing(a, b, labels)
    changes += _settings("SLA", a.sla, b.sla)
    changes += _settings("commitments", a.commitments, b.commitments)
    changes += _added_removed("rejection reason", a.rejection_reasons, b.rejection_reasons)
    for name in sorted(set(a.lists) | set(b.lists)):
        if name not in a.lists or name not in b.lists:
            changes.append(f"list {name} {'added' if name in b.lists else 'removed'}")
        else:
            changes += _added_removed(f"{name} list member", a.lists[name], b.lists[name])
    return changes


def _days(value: Any) -> str:
    return "none" if value is None else f"{format_value(value)} days"


def _added_removed(what: str, old: list[Any], new: list[Any]) -> list[str]:
    return ([f"{what} {item} added" for item in new if item not in old]
            + [f"{what} {item} removed" for item in old if item not in new])


def _personas(a: Pact, b: Pact, labels: Mapping[str, str]) -> list[str]:
    changes = _keyed(a.personas, b.personas, "persona", lambda p: p.label, labels)
    common_a = [p.id for p in a.personas if p.id in {q.id for q in b.personas}]
    common_b = [p.id for p in b.personas if p.id in set(common_a)]
    if common_a != common_b:
        changes.append(f"persona order changed from {', '.join(common_a)} to {', '.join(common_b)} "
                       "(the first persona that matches wins)")
    return changes


def _grades(a: Pact, b: Pact) -> Iterator[str]:
    old, new = (a.fit.grades if a.fit else {}), (b.fit.grades if b.fit else {})
    for grade in [*old, *(g for g in new if g not in old)]:
        if grade not in new:
            yield f"grade {grade} removed"
        elif grade not in old:
            yield f"grade {grade} added from {format_value(new[grade])} points"
        elif old[grade] != new[grade]:
            way = "raised" if new[grade] > old[grade] else "lowered"
            yield f"grade {grade} threshold {way} from {format_value(old[grade])} to {format_value(new[grade])}"


def _keyed(old: list[Any], new: list[Any], what: str, name: Any, labels: Mapping[str, str]) -> list[str]:
    before, after = {x.id: x for x in old}, {x.id: x for x in new}
    changes = [f'{what} "{name(x)}" ({x.id}) removed' for x in old if x.id not in after]
    for item in new:
        if item.id not in before:
            changes.append(f'{what} "{name(item)}" ({item.id}) added: {describe(item.when, labels)}')
            continue
        previous = before[item.id]
        for key in type(item).model_fields:
            if key != "when" and getattr(previous, key) != getattr(item, key):
                changes.append(f'{what} "{name(item)}": {key.replace("_", " ")} changed from '
                               f"{_show(getattr(previous, key))} to {_show(getattr(item, key))}")
        changes += _rule(f'{what} "{name(item)}"', previous.when, item.when, labels)
    return changes


def _criteria(what: str, old: list[Any], new: list[Any], labels: Mapping[str, str]) -> list[str]:
    before, after = {c.id: c for c in old}, {c.id: c for c in new}
    changes = [f'{what} "{c.label}" ({c.id}) removed' for c in old if c.id not in after]
    for criterion in new:
        previous = before.get(criterion.id)
        if previous is None:
            changes.append(f'{what} "{criterion.label}" ({criterion.id}) added: {criterion_phrase(criterion, labels)}')
            continue
        title = f'{what} "{criterion.label}"'
        if previous.label != criterion.label:
            changes.append(f'{what} {criterion.id}: label changed from "{previous.label}" to "{criterion.label}"')
        if previous.points != criterion.points:
            changes.append(f"{title}: points changed from {points_phrase(previous.points)} "
                           f"to {points_phrase(criterion.points)}")
        if getattr(previous, "max_per_day", None) != getattr(criterion, "max_per_day", None):
            changes.append(f"{title}: at most per day changed from {_show(previous.max_per_day)} "
                           f"to {_show(criterion.max_per_day)}")
        changes += _rule(title, previous.when, criterion.when, labels)
    return changes


def _optional_rule(title: str, old: Any, new: Any, labels: Mapping[str, str]) -> list[str]:
    if old is None and new is None:
        return []
    if old is None or new is None:
        return [f"{title} {'added' if old is None else 'removed'}"
                + (f": {describe(new, labels)}" if new is not None else "")]
    return _rule(title, old, new, labels)


def _rule(title: str, old: Any, new: Any, labels: Mapping[str, str]) -> list[str]:
    """Say how a rule changed: threshold by threshold when only values moved, else the whole rule."""
    if old == new:
        return []
    leaves = _leaf_changes(old, new)
    if leaves is None:
        return [f'{title}: rule changed from "{describe(old, labels)}" to "{describe(new, labels)}"']
    changes = []
    for before, after in leaves:
        if isinstance(before, ScoreTest) and before.op == after.op and before.op != "between":
            way = "raised" if after.value > before.value else "lowered"
            changes.append(f"{title}: {before.score} score threshold {way} from "
                           f"{format_value(before.value)} to {format_value(after.value)}")
        else:
            changes.append(f'{title}: "{describe(before, labels)}" became "{describe(after, labels)}"')
    return changes


def _leaf_changes(old: Any, new: Any) -> list[tuple[Any, Any]] | None:
    """Pair the tests that differ when both rules have the same shape; None when the shape changed."""
    if type(old) is not type(new):
        return None
    if isinstance(old, AllOf | AnyOf | NoneOf):
        key = {AllOf: "all", AnyOf: "any", NoneOf: "none"}[type(old)]
        children_old, children_new = getattr(old, key), getattr(new, key)
        if len(children_old) != len(children_new):
            return None
        pairs: list[tuple[Any, Any]] = []
        for child_old, child_new in zip(children_old, children_new, strict=True):
            found = _leaf_changes(child_old, child_new)
            if found is None:
                return None
            pairs += found
        return pairs
    if old == new:
        return []
    same_subject = [k for k in ("field", "score", "op", "event") if hasattr(old, k)]
    if any(getattr(old, k) != getattr(new, k) for k in same_subject if k != "op"):
        return None
    return [(old, new)]


def _routing(a: Pact, b: Pact, labels: Mapping[str, str]) -> list[str]:
    changes = []
    for index in range(max(len(a.routing), len(b.routing))):
        old = a.routing[index] if index < len(a.routing) else None
        new = b.routing[index] if index < len(b.routing) else None
        if old == new:
            continue
        title = f"routing rule {index + 1}"
        if old is None or new is None:
            rule = new or old
            when = describe(rule.when, labels) if rule.when is not None else "otherwise"
            changes.append(f"{title} {'added' if old is None else 'removed'}: {when} → "
                           f"{assignment_phrase(rule.assign)}")
            continue
        if old.assign != new.assign:
            changes.append(f"{title}: assigns {assignment_phrase(new.assign)} instead of "
                           f"{assignment_phrase(old.assign)}")
        changes += _optional_rule(f"{title} condition", old.when, new.when, labels)
    return changes


def _settings(title: str, old: BaseModel | None, new: BaseModel | None, path: str = "") -> list[str]:
    """Compare nested settings (SLA, commitments) field by field."""
    if old == new:
        return []
    model = type(new if new is not None else old)
    changes = []
    for key in model.model_fields:
        before, after = getattr(old, key, None), getattr(new, key, None)
        name = f"{path}{key.replace('_', ' ')}"
        if isinstance(before, BaseModel) or isinstance(after, BaseModel):
            changes += _settings(title, before, after, f"{name} ")
        elif before != after:
            changes.append(f"{title}: {name} changed from {_show(before)} to {_show(after)}")
    return changes


def _show(value: Any) -> str:
    if value is None:
        return "not set"
    if hasattr(value, "total_seconds"):
        return duration_phrase(value)
    return format_value(value)
