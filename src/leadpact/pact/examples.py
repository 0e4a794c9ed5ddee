"""A pact's written-down cases: each example is evaluated under the pact's own rules, and every disagreement
is reported at the example's line, so a definition is never signed with cases it does not meet."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from leadpact.pact.evaluate import compile_pact, evaluate
from leadpact.pact.offline import normalise_message
from leadpact.pact.results import Evaluation
from leadpact.pact.schema import Example, Pact
from leadpact.pact.source import Path

Problem = tuple[Path, str]


def example_problems(pact: Pact) -> list[Problem]:
    """Return (place, message) for every example whose expected status, persona or grade the rules do not give."""
    if not pact.examples:
        return []
    compiled = compile_pact(pact)
    personas = {persona.id for persona in pact.personas}
    grades = set(pact.fit.grades) if pact.fit else set()
    problems: list[Problem] = []
    for index, example in enumerate(pact.examples):
        place = ("examples", index)
        title = example_title(index, example)
        before = len(problems)
        if example.persona is not None and example.persona not in personas:
            problems.append((place + ("persona",), f"{title}: unknown persona '{example.persona}'"))
        if example.grade is not None and example.grade not in grades:
            problems.append((place + ("grade",), f"{title}: unknown grade '{example.grade}'"))
        events, unreadable = _events(example, place)
        problems.extend((where, f"{title}: {message}") for where, message in unreadable)
        if len(problems) > before:
            continue  # an example that cannot be read is not evaluated
        result = evaluate(compiled, person=example.person, account=example.account, events=events,
                          as_of=example.as_of)
        if result.errors:
            failures = "; ".join(f"{f.section} {f.id}: {f.message}" for f in result.errors)
            problems.append((place, f"{title}: the rules could not decide this case ({failures})"))
            continue
        for key, expected, given in (("status", example.status, result.status),
                                     ("persona", example.persona, result.persona),
                                     ("grade", example.grade, result.grade)):
            if expected is not None and expected != given:
                problems.append((place + (key,), f"{title}: expected {key} {expected}, but the rules give "
                                                 f"{given or 'none'} ({outcome_words(result)})"))
    return problems


def example_title(index: int, example: Example) -> str:
    """Return how messages name an example: its number, and its name when it has one."""
    return f"example {index + 1}" + (f" ({example.name})" if example.name else "")


def outcome_words(result: Evaluation) -> str:
    """Return what an evaluation found, in a few words: scores, grade, persona and the criteria that held."""
    matched = ", ".join(f"{m.id} {m.points:g}" for m in result.matched) or "no criterion"
    words = f"fit {result.fit_score:g}, grade {result.grade or 'none'}, engagement {result.engagement_score:g}, "
    words += f"persona {result.persona or 'none'}; matched: {matched}"
    if result.disqualified_by:
        words += "; disqualified by " + ", ".join(d.id for d in result.disqualified_by)
    return words


def _events(example: Example, place: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Return the example's events in the engine's shape; an example's events need no ids of their own."""
    events, problems = [], []
    for position, raw in enumerate(example.events):
        message: Mapping[str, Any] = raw
        if not raw.get("userId") and not raw.get("anonymousId"):
            message = {**raw, "userId": "example"}
        try:
            event = normalise_message(message)
        except ValueError as error:
            problems.append((place + ("events", position), f"event {position + 1}: {error}"))
            continue
        if event["message_id"] is None:
            event["message_id"] = f"example-{position}"
        events.append(event)
    return events, problems


def example_sentence(example: Example, persona_labels: Mapping[str, str]) -> str:
    """Return the example as the document says it: "For example, a VP Data at Northwind (software, 800 employees)
    who did Demo Requested on 2026-10-01 is hot as of 2026-10-02 (Data leader, grade A)."."""
    title = example.person.get("title")
    who = f"a {title}" if isinstance(title, str) and title.strip() else "a person"
    account = example.account or {}
    if account.get("name") or account.get("domain"):
        details = [str(account[key]) for key in ("industry",) if account.get(key)]
        if account.get("employees") is not None:
            details.append(f"{account['employees']} employees")
        who += f" at {account.get('name') or account.get('domain')}" + (f" ({', '.join(details)})" if details else "")
    did = [_deed(raw) for raw in example.events]
    sentence = f"For example, {who}" + (f" who {_and(did)}" if did else " with no activity")
    sentence += f" is {example.status} as of {_day(example.as_of)}"
    also = [persona_labels.get(example.persona, example.persona)] if example.persona else []
    also += [f"grade {example.grade}"] if example.grade else []
    return sentence + (f" ({', '.join(also)})" if also else "") + "."


def _deed(raw: Mapping[str, Any]) -> str:
    kind, stamp = raw.get("type"), raw.get("timestamp")
    when = f" on {_day(stamp)}" if stamp else ""
    if kind == "page":
        properties = raw.get("properties") if isinstance(raw.get("properties"), Mapping) else {}
        page = properties.get("path") or raw.get("name") or "a page"
        return f"viewed {page}{when}"
    if kind == "track":
        return f"did {raw.get('event')}{when}"
    return f"sent {kind}{when}"


def _day(moment: Any) -> str:
    if isinstance(moment, datetime):
        return moment.date().isoformat()
    return str(moment)[:10]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
