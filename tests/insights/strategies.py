"""Hypothesis strategies: random pacts (criteria, operators, points, half-lives, windows, counts, grades, stages)
and random people with event histories, in the live evaluator's shapes. Every strategy is built once, at
import: building strategies inside draws costs more than the test itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from leadpact.pact.operators import NUMERIC_OPERATORS, OPERATORS

AS_OF = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WORDS = ["Student", "VP Data", "vp data", "Director of IT", "ß", " ", "", "250", "2.5", "acme", "ACME", "true"]
TEXT = st.sampled_from(WORDS) | st.text("aAbB é0123456789.-@/", max_size=6)
FINITE = st.integers(-5, 6000) | st.floats(-10, 6000, allow_nan=False) | st.sampled_from([0, 1, 50, 200, 5000])
SCALARS = TEXT | FINITE | st.booleans() | st.none()
VALUES = st.one_of(SCALARS, SCALARS, SCALARS, st.just({"a": 1}), st.just(["x"]))
PATHS = st.sampled_from(["/pricing", "/Pricing/", "/pricing?x=1", "/blog/a", "/guides/b", "", "  ", "/demo"])
PERSON_FIELDS = ["person.title", "person.department", "person.score", "person.email", "person.email_domain",
                 "person.company.name", "account.employees", "account.industry", "account.domain", "account.name"]
EVENT_FIELDS = ["properties.path", "properties.amount", "properties.plan", "context.channel", "properties.a.b"]
EVENT_NAMES = ["page", "Demo Requested", "Email Opened", "identify", "Form Submitted"]
LISTS = {"rivals": ["rival.example", "Acme", "250"]}
OPERATOR_VALUES = {
    "scalar": TEXT | FINITE | st.booleans(),
    "values": st.lists(TEXT | FINITE | st.booleans(), min_size=1, max_size=3),
    "number": FINITE,
    "range": st.lists(FINITE, min_size=2, max_size=2).map(sorted),
    "text": st.sampled_from(["a", "VP", "/pri", "ing", "2", "é"]),
    "regex": st.sampled_from([r"(?i)\bstudent\b", "^VP", "a$", "[0-9]+", r"\s", "x|é", r"(?i)é\b", r"\bß"]),
    "nothing": st.none(),
    "list_name": st.sampled_from(["freemail", "rivals"]),
}
OPERATOR_NAMES = st.sampled_from(sorted(OPERATORS))


def field_test(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A field test on one of `fields` with a random operator and a value of the kind it takes."""
    names = st.sampled_from(fields)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        op = draw(OPERATOR_NAMES)
        test: dict[str, Any] = {"field": draw(names), "op": op}
        if OPERATORS[op].takes != "nothing":
            test["value"] = draw(OPERATOR_VALUES[OPERATORS[op].takes])
        return test

    return build()


def groups(leaf: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Leaves nested in all/any/none groups."""
    kinds = st.sampled_from(["all", "any", "none"])
    return st.recursive(leaf, lambda inner: st.builds(lambda k, c: {k: c}, kinds, st.lists(inner, min_size=1,
                                                                                           max_size=3)), max_leaves=4)


WHERE = groups(field_test(EVENT_FIELDS))
WINDOW = st.sampled_from([1, 2, 7, 30]) | st.floats(0.5, 40)
COUNT_OPS = st.sampled_from(NUMERIC_OPERATORS)
SMALL = st.integers(1, 3)
CHANCE = st.integers(0, 3)
EVENT_TEST_NAMES = st.sampled_from(EVENT_NAMES)


@st.composite
def _event_test(draw: st.DrawFn) -> dict[str, Any]:
    test: dict[str, Any] = {"event": draw(EVENT_TEST_NAMES)}
    if draw(st.booleans()):
        test["where"] = draw(WHERE)
    if draw(st.booleans()):
        test["within_days"] = draw(WINDOW)
    if draw(CHANCE) == 0:
        op = draw(COUNT_OPS)
        test["count"] = {"op": op, "value": [1, 3] if op == "between" else draw(SMALL)}
    return test


EVENT_TEST = _event_test()
PERSON_FIELD_TEST = field_test(PERSON_FIELDS)
PERSON_CONDITION = groups(PERSON_FIELD_TEST | EVENT_TEST)
FIT_LEAF = PERSON_FIELD_TEST | EVENT_TEST | st.builds(lambda b: {"buying_role": b}, st.booleans())
ENGAGEMENT_WHEN = EVENT_TEST | st.builds(lambda a: {"any": a}, st.lists(EVENT_TEST, min_size=2, max_size=2))
SCORE_TEST = st.builds(lambda s, o, v: {"score": s, "op": o, "value": v}, st.sampled_from(["fit", "engagement"]),
                       st.sampled_from(["gte", "gt", "lt", "eq"]), st.sampled_from([0, 5, 10.5, 20, 30, 0.12]))
POINTS = st.integers(-20, 40) | st.sampled_from([0.1, 0.2, 2.5, -0.3, 1.25, 3.3])
GRADE_NAMES = st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=2)
ROLES = st.sampled_from([True, False, None])
HALF_LIFE = st.sampled_from([1, 7, 14, 30]) | st.floats(0.5, 60)
REQUIRE = st.lists(st.sampled_from(["company", "industry", "company_size", "role", "engagement", "problem"]),
                   unique=True)
THRESHOLDS = st.lists(st.integers(-10, 60), min_size=1, max_size=3, unique=True)
STAGE = groups(SCORE_TEST | st.builds(lambda g: {"grade": g}, GRADE_NAMES) | EVENT_TEST | PERSON_FIELD_TEST)
MANY = st.integers(0, 3)
# Fit may test the personas before it: one condition strategy per number of personas.
FIT_CONDITIONS = {n: groups(FIT_LEAF | st.builds(lambda p: {"persona": [p]}, st.sampled_from([f"p{i}" for i in
                                                                                            range(n)])))
                  if n else groups(FIT_LEAF) for n in range(3)}


@st.composite
def pacts(draw: st.DrawFn) -> dict[str, Any]:
    """A pact (format 1, as data) exercising every section the backtest replays."""
    personas = [{"id": f"p{i}", "label": f"P{i}", "buying_role": draw(ROLES), "when": draw(PERSON_CONDITION)}
                for i in range(draw(st.integers(0, 2)))]
    criteria = [{"id": f"f{i}", "label": "F", "when": draw(FIT_CONDITIONS[len(personas)]), "points": draw(POINTS)}
                for i in range(draw(MANY))]
    grades = dict(zip("ABC", sorted(draw(THRESHOLDS), reverse=True), strict=False))
    engagement = []
    for i in range(draw(st.integers(0, 4))):
        criterion = {"id": f"e{i}", "label": "E", "points": draw(POINTS), "when": draw(ENGAGEMENT_WHEN)}
        if draw(st.booleans()):
            criterion["max_per_day"] = draw(SMALL)
        engagement.append(criterion)
    return {
        "leadpact": 1, "name": "Generated", "personas": personas, "fit": {"grades": grades, "criteria": criteria},
        "engagement": {"half_life_days": draw(HALF_LIFE), "criteria": engagement},
        "stages": {"mql": {"when": draw(STAGE)}, "hot": {"when": draw(STAGE)}},
        "disqualify": [{"id": "rival", "reason": "competitor", "when": draw(STAGE)}] if draw(st.booleans()) else [],
        "readiness": {"require": draw(REQUIRE)}, "lists": LISTS,
    }


OFFSETS = (st.integers(0, 45 * 86400) | st.integers(0, 45).map(lambda d: d * 86400) | st.integers(-3 * 86400, 0)
           | st.sampled_from([0, 1, 43200, 7 * 86400]))
MICROS = st.sampled_from([0, 0, 250_000])
NAMES = st.sampled_from(EVENT_NAMES + [" demo requested"])
PROPERTY_KEYS = st.lists(st.sampled_from(["amount", "plan", "asset_id"]), unique=True)
NESTED = st.sampled_from([{"b": 1}, {"b": "x"}, 7])
TENTH = st.integers(0, 9)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """One event, timed around AS_OF (some exactly a whole number of days before it, some after it)."""
    name = draw(NAMES)
    kind = name if name in ("page", "identify") else "track"
    when = AS_OF - timedelta(seconds=draw(OFFSETS), microseconds=draw(MICROS))
    properties = {key: draw(VALUES) for key in draw(PROPERTY_KEYS)}
    if draw(CHANCE):
        properties["path"] = draw(PATHS | st.none())
    if draw(TENTH) == 0:
        properties["a"] = draw(NESTED)
    event: dict[str, Any] = {"type": kind, "properties": properties if draw(TENTH) else None,
                             "context": {"page": {"path": draw(PATHS)}, "channel": draw(VALUES)},
                             "timestamp": when if draw(st.booleans()) else when.isoformat()}
    if kind == "track":
        event["event"] = name
    return event


PERSON_KEYS = st.lists(st.sampled_from(["title", "department", "score", "email", "email_domain"]), unique=True)
EMAILS = st.sampled_from(["ann@acme.com", "bo@gmail.com", "x@Rival.example", "nope", ""])
COMPANIES = st.sampled_from([{"name": "Acme"}, "Acme", {"name": 5}])
ACCOUNT_KEYS = st.lists(st.sampled_from(["employees", "industry", "domain", "name"]), unique=True)
HISTORIES = st.lists(events(), max_size=12)


@st.composite
def people(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, Any]]]:
    """A person (traits), maybe an account, and a history of events."""
    person = {key: draw(VALUES) for key in draw(PERSON_KEYS)}
    if draw(st.booleans()):
        person["email"] = draw(EMAILS)
    if draw(CHANCE) == 0:
        person["company"] = draw(COMPANIES)
    account = {key: draw(VALUES) for key in draw(ACCOUNT_KEYS)} if draw(st.booleans()) else None
    return person, account, draw(HISTORIES)
