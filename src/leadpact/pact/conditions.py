"""Conditions compiled once into closures over `Facts`, the known state of one person at one moment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from leadpact.pact.memo import remember
from leadpact.pact.operators import OPERATORS, Lists, Predicate
from leadpact.pact.schema import (
    AllOf,
    AnyOf,
    BuyingRoleTest,
    Count,
    EventTest,
    FieldTest,
    GradeTest,
    NoneOf,
    Persona,
    PersonaTest,
    ScoreTest,
)
from leadpact.people.freemail import email_domain


class ConditionError(Exception):
    """A condition that could not be decided (e.g. a field holds an object): never a silent false."""


@dataclass(slots=True)
class Occurrence:
    """One event as the engine sees it: its age at `as_of`, its UTC day, and the message itself."""

    timestamp: datetime
    age_days: float
    day: date
    order: int
    event: Mapping[str, Any]


@dataclass(slots=True)
class Facts:
    """Everything known about one person at `as_of`; later sections fill in what earlier ones decide."""

    person: Mapping[str, Any]
    account: Mapping[str, Any] | None
    events: dict[str, list[Occurrence]]
    persona: Persona | None = None
    fit: float = 0
    grade: str | None = None
    engagement: float = 0.0


Test = Callable[[Facts], bool]
_SCALARS = frozenset({str, int, float, bool, type(None)})
_KEYS: dict[str, str] = {}
Getter = Callable[[Any], Any]


def _getter(keys: list[str]) -> Getter:
    """Read a (dotted) path from a mapping; None when any step is missing."""
    if len(keys) == 1:
        key = keys[0]
        return lambda data: data.get(key) if data.__class__ is dict or isinstance(data, Mapping) else None
    whole = ".".join(keys)

    def get(data: Any) -> Any:
        if not isinstance(data, Mapping):
            return None
        if whole in data:  # a trait name that itself contains dots
            return data[whole]
        for key in keys:
            if not isinstance(data, Mapping) or key not in data:
                return None
            data = data[key]
        return data

    return get


def field_reader(path: str) -> Callable[[Facts], Any]:
    """Return a reader of a person/account field, including the derived person.email_domain."""
    root, _, rest = path.partition(".")
    get = _getter(rest.split("."))
    if root == "person" and rest == "email_domain":
        return lambda facts: facts.person.get("email_domain") or email_domain(_str(facts.person.get("email")))
    if root == "person":
        return lambda facts: get(facts.person)
    return lambda facts: get(facts.account)


def event_reader(path: str) -> Callable[[Mapping[str, Any]], Any]:
    """Return a reader of an event field: properties.X or context.X."""
    root, _, rest = path.partition(".")
    get = _getter(rest.split("."))
    return lambda event: get(event.get(root))


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _checked(path: str, predicate: Predicate, op: str) -> Predicate:
    if op in ("exists", "missing"):
        return predicate

    def test(value: Any) -> bool:
        if value.__class__ not in _SCALARS and isinstance(value, Mapping | list):
            kind = "a list" if isinstance(value, list) else "an object"
            raise ConditionError(f"{path} holds {kind}, not a single value, so '{op}' cannot test it")
        return predicate(value)

    return test


def compile_where(condition: Any, lists: Lists) -> Callable[[Mapping[str, Any]], bool]:
    """Compile an event's `where` (field tests of properties/context) into a test of one event."""
    fields = _fields(condition)
    if len(fields) == 1:
        # Every test reads the same field (say, three prefixes of properties.path): read it once, and remember
        # the whole group's answer for each text, in the same order and with the same errors as test by test.
        read = event_reader(fields.pop())
        check = _remembered(_value_test(condition, lists))
        return lambda event: check(read(event))
    parts = [compile_where(c, lists) for c in _children(condition)]
    return _group(condition, parts)


def _fields(condition: Any) -> set[str]:
    """The fields a `where` reads."""
    if isinstance(condition, AllOf | AnyOf | NoneOf):
        return {field for child in _children(condition) for field in _fields(child)}
    return {condition.field}


def _value_test(condition: Any, lists: Lists) -> Callable[[Any], bool]:
    """A `where` whose tests all read one field, as a test of that field's value."""
    if isinstance(condition, AllOf | AnyOf | NoneOf):
        return _group(condition, [_value_test(c, lists) for c in _children(condition)])
    return _checked(condition.field, OPERATORS[condition.op].predicate(condition.value, lists), condition.op)


def _remembered(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """The same test, remembering its answer for each text it has seen.

    People and events repeat few texts (paths, titles, campaigns), and each is tested again at every evaluation:
    predicates are pure and never raise on text, so an answer once found holds."""
    answers: dict[str, bool] = {}

    def test(value: Any) -> bool:
        if value.__class__ is not str:
            return check(value)
        answer = answers.get(value)
        return remember(answers, value, check(value), 65_536) if answer is None else answer

    return test


def count_test(count: Count | None) -> Callable[[int], bool]:
    """Return the test of an event count: at least one by default."""
    if count is None:
        return lambda n: n >= 1
    return OPERATORS[count.op].predicate(count.value, {})


def event_key(name: str) -> str:
    """Return the index key of an event name: track names and types compare case-insensitively."""
    key = _KEYS.get(name)
    return remember(_KEYS, name, name.strip().casefold(), 10_000) if key is None else key  # event names are few


def matching(test: EventTest, lists: Lists) -> Callable[[Facts], list[Occurrence]]:
    """Return a function giving the person's occurrences that satisfy an event test's name, window and where."""
    key = event_key(test.event)
    where = compile_where(test.where, lists) if test.where is not None else None
    window = test.within_days

    def find(facts: Facts) -> list[Occurrence]:
        found = facts.events.get(key, ())
        # Each case on its own: this runs for every rule over every event of every person evaluated.
        if window is None and where is None:
            return list(found)
        if where is None:
            return [o for o in found if o.age_days <= window]  # type: ignore[operator]
        if window is None:
            return [o for o in found if where(o.event)]
        return [o for o in found if o.age_days <= window and where(o.event)]

    return find


def compile_condition(condition: Any, lists: Lists) -> Test:
    """Compile any condition into a closure `facts -> bool` (raising ConditionError when undecidable)."""
    if isinstance(condition, AllOf | AnyOf | NoneOf):
        return _group(condition, [compile_condition(c, lists) for c in _children(condition)])
    if isinstance(condition, FieldTest):
        read = field_reader(condition.field)
        check = _remembered(
            _checked(condition.field, OPERATORS[condition.op].predicate(condition.value, lists), condition.op)
        )
        return lambda facts: check(read(facts))
    if isinstance(condition, EventTest):
        find, enough = matching(condition, lists), count_test(condition.count)
        return lambda facts: enough(len(find(facts)))
    if isinstance(condition, ScoreTest):
        check = OPERATORS[condition.op].predicate(condition.value, {})
        if condition.score == "fit":
            return lambda facts: check(facts.fit)
        return lambda facts: check(facts.engagement)
    if isinstance(condition, GradeTest):
        grades = frozenset(condition.grade)
        return lambda facts: facts.grade in grades
    if isinstance(condition, PersonaTest):
        ids = frozenset(condition.persona)
        return lambda facts: facts.persona is not None and facts.persona.id in ids
    if isinstance(condition, BuyingRoleTest):
        wanted = condition.buying_role
        return lambda facts: facts.persona is not None and facts.persona.buying_role is wanted
    raise TypeError(f"not a condition: {condition!r}")


def _children(condition: AllOf | AnyOf | NoneOf) -> list[Any]:
    if isinstance(condition, AllOf):
        return condition.all
    return condition.any if isinstance(condition, AnyOf) else condition.none


def _group(condition: AllOf | AnyOf | NoneOf, parts: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    # left to right with short-circuit, as the document reads; an error in a part reached is the group's
    if isinstance(condition, AllOf):
        return lambda x: all(part(x) for part in parts)
    if isinstance(condition, AnyOf):
        return lambda x: any(part(x) for part in parts)
    return lambda x: not any(part(x) for part in parts)
