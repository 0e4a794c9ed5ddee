"""What a pact means, checked: operators, values, references, the order of evaluation, ranges.

Works on the plain data read from YAML (not on models) so that every problem in the file is
found in one pass, even when pydantic has already refused part of its shape.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from leadpact.pact.operators import NUMERIC_OPERATORS, OPERATORS, Operator
from leadpact.pact.patterns import pattern_problem
from leadpact.pact.schema import condition_kind
from leadpact.pact.source import Path
from leadpact.pact.values import is_number

Problem = tuple[Path, str, bool]  # where, what, whether to point at the key rather than the value

ORDER = "order: personas → fit → grade → engagement → disqualifiers and stages"
# What each section may test: a section may only test what is decided before it.
ALLOWED = {
    "personas": {"field", "event"},
    "fit": {"field", "event", "persona", "buying_role"},
    "engagement": {"event"},
    "stages": {"field", "event", "persona", "buying_role", "score", "grade"},
}
SECTION_NAMES = {"personas": "a persona", "fit": "a fit criterion", "engagement": "an engagement criterion",
                 "stages": "a stage"}
KIND_NAMES = {"persona": "the persona", "buying_role": "the persona's buying role", "grade": "the grade",
              "field": "a person or account field"}
ROOTS = ("person", "account")
EVENT_ROOTS = ("properties", "context")


def _suggest(word: Any, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def value_problem(operator: Operator, present: bool, value: Any, lists: Iterable[str]) -> str | None:
    """Return what is wrong with the value given to an operator, or None when it fits."""
    name, takes = operator.name, operator.takes
    if takes == "nothing":
        return f"'{name}' takes no value" if present and value is not None else None
    if not present:
        return f"'{name}' needs a value"
    scalar = isinstance(value, str | bool) or is_number(value)
    if takes == "scalar" and not scalar:
        return f"'{name}' expects one value: text, a number or true/false"
    if takes == "values":
        if not isinstance(value, list) or not all(isinstance(v, str | bool) or is_number(v) for v in value):
            return f"'{name}' expects a list of values, e.g. [a, b]"
        if not value:
            return f"empty list: '{name}' needs at least one value"
    if takes == "number" and not is_number(value):
        return f"'{name}' expects a number, got {value!r}"
    if takes == "range":
        if not (isinstance(value, list) and len(value) == 2 and all(is_number(v) for v in value)):
            return f"'{name}' expects [low, high], two numbers"
        if value[0] > value[1]:
            return f"empty range: low {value[0]} is above high {value[1]}, so it can never hold"
    if takes == "text" and not (isinstance(value, str) and value):
        return f"'{name}' expects non-empty text"
    if takes == "regex":
        if not isinstance(value, str):
            return f"'{name}' expects a regular expression as text"
        return pattern_problem(value)
    if takes == "list_name" and value not in lists:
        return f"unknown list '{value}'{_suggest(value, lists)}; lists: {', '.join(sorted(lists))}"
    return None


class Checker:
    """Collects every meaning problem of one pact document."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.problems: list[Problem] = []
        self.grades = set(_get(data, "fit", "grades") or {})
        lists = data.get("lists")
        self.lists = {"freemail", *(lists if isinstance(lists, dict) else {})}
        self.personas = {p.get("id") for _, p in _items(data.get("personas")) if isinstance(p.get("id"), str)}

    def report(self, path: Path, message: str, *, key: bool = False) -> None:
        """Record one problem."""
        self.problems.append((path, message, key))

    def run(self) -> list[Problem]:
        """Check the whole document and return its problems."""
        data = self.data
        version = data.get("leadpact")
        if version is not None and version != 1:
            self.report(("leadpact",), f"unsupported format version {version!r}: this leadpact reads format 1")
        self._unique_ids(("personas",), "persona")
        for index, persona in _items(data.get("personas")):
            self.condition(persona.get("when"), ("personas", index, "when"), "personas")
        self._fit()
        self._engagement()
        for name in ("mql", "hot"):
            stage = _get(data, "stages", name)
            if isinstance(stage, dict):
                self.condition(stage.get("when"), ("stages", name, "when"), "stages")
        self._unique_ids(("disqualify",), "disqualifier")
        for index, rule in _items(data.get("disqualify")):
            self.condition(rule.get("when"), ("disqualify", index, "when"), "stages")
        self._routing()
        self._distinct(("rejection_reasons",), "rejection reason")
        self._distinct(("readiness", "require"), "readiness item")
        self._lists()
        return self.problems

    def _fit(self) -> None:
        grades = _get(self.data, "fit", "grades")
        if isinstance(grades, dict):
            seen: dict[Any, str] = {}
            for grade, threshold in grades.items():
                if threshold in seen and is_number(threshold):
                    self.report(("fit", "grades", grade),
                                f"grades {seen[threshold]} and {grade} share the threshold {threshold}; "
                                "grades must be distinct")
                seen.setdefault(threshold, str(grade))
        self._unique_ids(("fit", "criteria"), "fit criterion")
        for index, criterion in _items(_get(self.data, "fit", "criteria")):
            self.condition(criterion.get("when"), ("fit", "criteria", index, "when"), "fit")

    def _engagement(self) -> None:
        self._unique_ids(("engagement", "criteria"), "engagement criterion")
        for index, criterion in _items(_get(self.data, "engagement", "criteria")):
            path = ("engagement", "criteria", index, "when")
            when = criterion.get("when")
            kind = condition_kind(when) if isinstance(when, dict) else None
            if kind in ("all", "none") or kind == "any" and isinstance(when["any"], list) and any(
                    isinstance(c, dict) and condition_kind(c) not in ("event", None) for c in when["any"]):
                self.report(path, "an engagement criterion must be an event test (or an 'any' of event "
                                  "tests): it scores each matching event")
                continue
            self.condition(when, path, "engagement")

    def _routing(self) -> None:
        rules = _items(self.data.get("routing"))
        for index, rule in rules:
            if "when" in rule:
                self.condition(rule.get("when"), ("routing", index, "when"), "stages")
        final: int | None = None  # the first rule that assigns every lead: nothing after it is reached
        owner: int | None = None  # the first unconditional account_owner rule
        for index, rule in rules:
            if final is not None:
                self.report(("routing", index),
                            f"routing rule {index + 1} is never reached: rule {final + 1} has no 'when' "
                            "and always assigns")
                return  # one report says it: every rule after it is in the same place
            if "when" in rule:
                continue
            if rule.get("assign") != "account_owner":
                final = index
            elif owner is None:
                # The account owner assigns only leads whose account has an owner (SPEC §7: owner first, then
                # teams, then a fallback), so the rules after it are reached by every other lead.
                owner = index
            else:
                self.report(("routing", index),
                            f"routing rule {index + 1} is never reached usefully: rule {owner + 1} already "
                            "tries the account owner for every lead")

    def _lists(self) -> None:
        lists = self.data.get("lists")
        if not isinstance(lists, dict):
            return
        for name, members in lists.items():
            if name == "freemail":
                self.report(("lists", name), "'freemail' is built in and cannot be redefined", key=True)
            elif isinstance(members, list) and not members:
                self.report(("lists", name), f"list '{name}' is empty")

    def _unique_ids(self, path: Path, what: str) -> None:
        seen: set[Any] = set()
        for index, item in _items(_get(self.data, *path)):
            if item.get("id") in seen:
                self.report(path + (index, "id"), f"duplicate {what} id '{item['id']}'")
            if isinstance(item.get("id"), str):
                seen.add(item["id"])

    def _distinct(self, path: Path, what: str) -> None:
        values = _get(self.data, *path)
        if isinstance(values, list):
            for index, value in enumerate(values):
                if isinstance(value, str) and value in values[:index]:
                    self.report(path + (index,), f"duplicate {what} '{value}'")

    def condition(self, condition: Any, path: Path, section: str, in_where: bool = False) -> None:
        """Check one condition (recursively) as used in `section`."""
        if not isinstance(condition, dict):
            return
        kind = condition_kind(condition)
        if kind in ("all", "any", "none"):
            children = condition[kind]
            if isinstance(children, list) and not children:
                self.report(path + (kind,), f"an empty '{kind}' group tests nothing")
            for index, child in enumerate(children if isinstance(children, list) else []):
                self.condition(child, path + (kind, index), section, in_where)
            return
        if kind is None:
            return  # the schema reports a mapping that is no condition
        if in_where and kind != "field":
            self.report(path + (kind,), "an event's 'where' may only test fields of the event "
                                        "(properties.X or context.X)", key=True)
            return
        if not in_where and kind not in ALLOWED[section]:
            self.report(path + (kind,), self._backward(kind, condition, section), key=True)
            return
        getattr(self, f"_{kind}")(condition, path, section, in_where)

    def _backward(self, kind: str, condition: dict[str, Any], section: str) -> str:
        if section == "engagement":
            return "an engagement criterion may only test events: it scores each matching event"
        thing = f"the {condition['score']} score" if kind == "score" and isinstance(
            condition.get("score"), str) else KIND_NAMES.get(kind, "a score")
        return f"backward reference: {SECTION_NAMES[section]} cannot test {thing}, decided after it ({ORDER})"

    def _field(self, condition: dict[str, Any], path: Path, section: str, in_where: bool) -> None:
        field = condition.get("field")
        if isinstance(field, str):
            roots = EVENT_ROOTS if in_where else ROOTS
            root, _, rest = field.partition(".")
            if root not in roots or not rest:
                where = "inside an event's 'where'" if in_where else "outside an event's 'where'"
                self.report(path + ("field",), f"unknown field '{field}': {where} a field starts with "
                            + " or ".join(f"{r}." for r in roots))
        operator = self._operator(condition, path, OPERATORS)
        if operator is not None:
            self._value(operator, condition, path)

    def _operator(self, condition: dict[str, Any], path: Path, allowed: Iterable[str]) -> Operator | None:
        op = condition.get("op")
        if not isinstance(op, str):
            return None
        if op not in allowed:
            known = list(allowed)
            what = "unknown operator" if op not in OPERATORS else "operator not allowed here"
            self.report(path + ("op",), f"{what} '{op}'{_suggest(op, known)}; use one of: {', '.join(known)}")
            return None
        return OPERATORS[op]

    def _value(self, operator: Operator, condition: dict[str, Any], path: Path) -> None:
        problem = value_problem(operator, "value" in condition, condition.get("value"), self.lists)
        if problem:
            self.report(path + ("value",) if "value" in condition else path, problem)

    def _event(self, condition: dict[str, Any], path: Path, section: str, in_where: bool) -> None:
        if isinstance(condition.get("event"), str) and not condition["event"].strip():
            self.report(path + ("event",), "an event test needs an event name")
        self.condition(condition.get("where"), path + ("where",), section, in_where=True)
        within = condition.get("within_days")
        if is_number(within) and within <= 0:
            self.report(path + ("within_days",), "within_days must be more than 0: no event falls in an empty window")
        count = condition.get("count")
        if isinstance(count, dict):
            operator = self._operator(count, path + ("count",), NUMERIC_OPERATORS)
            if operator is not None:
                self._value(operator, count, path + ("count",))
                self._count_range(operator.name, count.get("value"), path + ("count", "value"))

    def _count_range(self, op: str, value: Any, path: Path) -> None:
        high = value[1] if op == "between" and isinstance(value, list) and len(value) == 2 else value
        if not is_number(high):
            return
        if (op == "lt" and high <= 0) or (op in ("lte", "eq", "between") and high < 0):
            self.report(path, f"unsatisfiable count: a count is never {op} {high}")

    def _score(self, condition: dict[str, Any], path: Path, section: str, in_where: bool) -> None:
        operator = self._operator(condition, path, NUMERIC_OPERATORS)
        if operator is not None:
            self._value(operator, condition, path)

    def _grade(self, condition: dict[str, Any], path: Path, section: str, in_where: bool) -> None:
        self._names(condition.get("grade"), path + ("grade",), self.grades, "grade")

    def _persona(self, condition: dict[str, Any], path: Path, section: str, in_where: bool) -> None:
        self._names(condition.get("persona"), path + ("persona",), self.personas, "persona")

    def _buying_role(self, condition: dict[str, Any], path: Path, section: str, in_where: bool) -> None:
        return None

    def _names(self, value: Any, path: Path, known: set[Any], what: str) -> None:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list):
            return
        if not names:
            self.report(path, f"an empty {what} list never holds")
        for index, name in enumerate(names):
            if isinstance(name, str) and name not in known:
                at = path if isinstance(value, str) else path + (index,)
                choices = ", ".join(sorted(str(k) for k in known)) or "none defined"
                self.report(at, f"unknown {what} '{name}'{_suggest(name, map(str, known))}; {what}s: {choices}")


def _get(data: Any, *keys: Any) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """Return the mappings of a list with their positions in it (others are the schema's to report)."""
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]
