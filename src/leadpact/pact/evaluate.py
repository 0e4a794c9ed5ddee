"""The pure pact engine: compile a pact once, then evaluate people against it.

Order of evaluation (SPEC §4): personas → fit → grade → engagement → disqualifiers and stages
→ status; routing and readiness come last and read everything before them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from leadpact.pact.catalog import Catalog, event_asset_id, event_path
from leadpact.pact.conditions import (
    ConditionError,
    Facts,
    Occurrence,
    Test,
    compile_condition,
    count_test,
    event_key,
    matching,
)
from leadpact.pact.memo import remember
from leadpact.pact.operators import Lists
from leadpact.pact.results import ConditionFailure, Disqualification, Evaluation, MatchedCriterion, Route
from leadpact.pact.schema import AnyOf, EngagementCriterion, EventTest, Pact
from leadpact.pact.values import is_missing
from leadpact.people.freemail import FREEMAIL_DOMAINS

Finder = tuple[Callable[[Facts], list[Occurrence]], Callable[[int], bool]]


@dataclass(frozen=True)
class EngagementRule:
    """A compiled engagement criterion: how to find its occurrences, and how they score."""

    criterion: EngagementCriterion
    finders: tuple[Finder, ...]

    def occurrences(self, facts: Facts) -> list[Occurrence]:
        """Return the occurrences that score under this criterion, oldest first, before max_per_day."""
        found: dict[int, Occurrence] = {}
        for find, enough in self.finders:
            mine = find(facts)
            if len(self.finders) == 1:
                return mine if enough(len(mine)) else []
            if enough(len(mine)):
                found.update((o.order, o) for o in mine)  # an event matching two branches scores once
        return [found[order] for order in sorted(found)]


@dataclass(frozen=True)
class CompiledPact:
    """A pact turned into closures, ready to evaluate many people quickly."""

    pact: Pact
    lists: Lists
    personas: tuple[tuple[Any, Test], ...]
    fit: tuple[tuple[Any, Test], ...]
    grades: tuple[tuple[float, str], ...]  # highest threshold first
    half_life_days: float
    engagement: tuple[EngagementRule, ...]
    stages: tuple[tuple[str, Test], ...]
    disqualify: tuple[tuple[Any, Test], ...]
    routing: tuple[tuple[Any, Test | None], ...]
    require: tuple[str, ...]


def pact_lists(pact: Pact) -> Lists:
    """Return the named lists a pact may use: the built-in freemail plus its own, lower-cased."""
    lists = {name: frozenset(str(m).lower() for m in members) for name, members in pact.lists.items()}
    lists["freemail"] = frozenset(FREEMAIL_DOMAINS)
    return lists


def compile_pact(pact: Pact) -> CompiledPact:
    """Compile a validated pact into a CompiledPact (regexes, lists and closures built once)."""
    lists = pact_lists(pact)

    def compiled(condition: Any) -> Test:
        return compile_condition(condition, lists)

    def finders(criterion: EngagementCriterion) -> tuple[Finder, ...]:
        tests = criterion.when.any if isinstance(criterion.when, AnyOf) else [criterion.when]
        return tuple((matching(t, lists), count_test(t.count)) for t in tests if isinstance(t, EventTest))

    fit, engagement = pact.fit, pact.engagement
    grades = sorted(((float(t), g) for g, t in fit.grades.items()), reverse=True) if fit else []
    stages = [(name, stage) for name, stage in (("mql", pact.stages.mql), ("hot", pact.stages.hot)) if stage]
    return CompiledPact(
        pact=pact,
        lists=lists,
        personas=tuple((p, compiled(p.when)) for p in pact.personas),
        fit=tuple((c, compiled(c.when)) for c in (fit.criteria if fit else [])),
        grades=tuple(grades),
        half_life_days=float(engagement.half_life_days) if engagement else 1.0,
        engagement=tuple(EngagementRule(c, finders(c)) for c in (engagement.criteria if engagement else [])),
        stages=tuple((name, compiled(stage.when)) for name, stage in stages),
        disqualify=tuple((d, compiled(d.when)) for d in pact.disqualify),
        routing=tuple((r, compiled(r.when) if r.when is not None else None) for r in pact.routing),
        require=tuple(pact.readiness.require),
    )


def as_utc(moment: datetime | str) -> datetime:
    """Return an aware UTC datetime; naive datetimes are taken as UTC, text as ISO 8601."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def index_events(events: Iterable[Mapping[str, Any]], as_of: datetime,
                 failures: list[ConditionFailure]) -> dict[str, list[Occurrence]]:
    """Return the events up to `as_of`, oldest first, indexed by name (track name, or type)."""
    dated = []
    in_order, latest = True, None
    for position, event in enumerate(events):
        timestamp = event.get("timestamp")
        try:
            if timestamp.__class__ is not datetime or timestamp.tzinfo is not UTC:
                timestamp = as_utc(timestamp)
        except (AttributeError, TypeError, ValueError):
            failures.append(ConditionFailure("events", str(event.get("message_id") or position),
                                             "event has no readable timestamp; it was left out"))
            continue
        if timestamp <= as_of:
            if latest is not None and timestamp < latest:
                in_order = False
            latest = timestamp
            dated.append((timestamp, position, event))
    if not in_order:  # stored histories come oldest first; only then is there nothing to sort
        dated.sort(key=_by_time_then_position)
    index: dict[str, list[Occurrence]] = {}
    for order, (timestamp, _, event) in enumerate(dated):
        kind, named = event.get("type"), event.get("event")
        try:
            key = _INDEX_KEYS.get((kind, named))
        except TypeError:  # a name that is not plain data (an object): read the slow way
            key = None
        if key is None:
            key = _index_key(kind, named)
        age = (as_of - timestamp).total_seconds() / 86400
        occurrences = index.get(key)
        if occurrences is None:
            occurrences = index[key] = []
        occurrences.append(Occurrence(timestamp, age, timestamp.date(), order, event))
    return index


def _by_time_then_position(item: tuple[datetime, int, Any]) -> tuple[datetime, int]:
    return item[0], item[1]


# (type, event) → index key: a site sends few distinct pairs, and every evaluation reads every event's again.
_INDEX_KEYS: dict[tuple[Any, Any], str] = {}


def _index_key(kind: Any, named: Any) -> str:
    read_kind = kind or ("track" if named else "")
    name = named if read_kind == "track" else read_kind
    key = event_key(name if name.__class__ is str else str(name or ""))
    if (kind.__class__ is str or kind is None) and (named.__class__ is str or named is None):
        remember(_INDEX_KEYS, (kind, named), key, 10_000)
    return key


def _holds(test: Test, facts: Facts, section: str, rule_id: str, failures: list[ConditionFailure]) -> bool:
    try:
        return test(facts)
    except ConditionError as error:
        failures.append(ConditionFailure(section, rule_id, str(error)))
        return False


def _score_engagement(compiled: CompiledPact, facts: Facts, failures: list[ConditionFailure],
                      matched: list[MatchedCriterion]) -> tuple[float, list[Occurrence]]:
    total, scored = 0.0, []
    half_life = compiled.half_life_days
    for rule in compiled.engagement:
        criterion = rule.criterion
        try:
            found = rule.occurrences(facts)
        except ConditionError as error:
            failures.append(ConditionFailure("engagement", criterion.id, str(error)))
            continue
        limit = criterion.max_per_day
        if limit is not None:
            kept = []
            day, seen = None, 0
            for occurrence in found:  # oldest first, so a UTC day's occurrences come together: its first N score
                if occurrence.day != day:
                    day, seen = occurrence.day, 0
                if seen < limit:
                    kept.append(occurrence)
                seen += 1
            found = kept
        if not found:
            continue
        each = criterion.points
        points = sum(each * 0.5 ** (o.age_days / half_life) for o in found)
        total += points
        scored.extend(found)
        matched.append(MatchedCriterion("engagement", criterion.id, criterion.label, round(points, 2), len(found)))
    return total, scored


def _missing(require: tuple[str, ...], facts: Facts, scored: list[Occurrence],
             catalog: Catalog) -> tuple[str, ...]:
    account = facts.account or {}

    def answered(item: str) -> bool:
        if item in ("company", "industry", "company_size"):
            key = {"company": "name", "industry": "industry", "company_size": "employees"}[item]
            return not is_missing(account.get(key))
        if item == "role":
            return facts.persona is not None or not is_missing(facts.person.get("title"))
        if item == "engagement":
            return any(event_path(o.event) or event_asset_id(o.event) for o in scored)
        return any(catalog.names_any_problem(o.event for o in occurrences) for occurrences in facts.events.values())

    return tuple(item for item in require if not answered(item))


def evaluate(compiled: CompiledPact, *, person: Mapping[str, Any] | None,
             account: Mapping[str, Any] | None = None, events: Iterable[Mapping[str, Any]] = (),
             content: Catalog | Mapping[str, Mapping[str, Any]] | None = None,
             as_of: datetime | str) -> Evaluation:
    """Return the Evaluation of one person under a compiled pact at `as_of` (events after it are ignored)."""
    moment = as_utc(as_of)
    failures: list[ConditionFailure] = []
    facts = Facts(person or {}, account, index_events(events, moment, failures))
    for persona, test in compiled.personas:
        if _holds(test, facts, "personas", persona.id, failures):
            facts.persona = persona
            break
    matched: list[MatchedCriterion] = []
    for criterion, test in compiled.fit:
        if _holds(test, facts, "fit", criterion.id, failures):
            facts.fit += criterion.points
            matched.append(MatchedCriterion("fit", criterion.id, criterion.label, criterion.points))
    facts.grade = next((g for t, g in compiled.grades if facts.fit >= t), compiled.grades[-1][1]
                       if compiled.grades else None)
    raw_engagement, scored = _score_engagement(compiled, facts, failures, matched)
    facts.engagement = round(raw_engagement, 2)  # stages test the score as reported
    disqualified = tuple(Disqualification(rule.id, rule.reason) for rule, test in compiled.disqualify
                         if _holds(test, facts, "disqualify", rule.id, failures))
    held = tuple(name for name, test in compiled.stages if _holds(test, facts, "stages", name, failures))
    if disqualified:
        status = "disqualified"
    elif "hot" in held or "mql" in held:
        status = "hot" if "hot" in held else "mql"
    elif scored:
        status = "engaged"
    else:
        status = "anonymous" if is_missing(facts.person.get("email")) else "known"
    route = None
    for position, (rule, test) in enumerate(compiled.routing):
        if test is None or _holds(test, facts, "routing", str(position), failures):
            assign = rule.assign if isinstance(rule.assign, str) else rule.assign.model_dump()
            route = Route(position, assign)
            break
    missing = _missing(compiled.require, facts, scored, Catalog.of(content)) if compiled.require else ()
    return Evaluation(
        as_of=moment,
        fit_score=facts.fit,
        grade=facts.grade,
        engagement_score=facts.engagement,
        persona=facts.persona.id if facts.persona else None,
        buying_role=facts.persona.buying_role if facts.persona else None,
        status=status,
        matched=tuple(matched),
        disqualified_by=disqualified,
        stages=held,
        missing=missing,
        route=route,
        errors=tuple(failures),
    )
