"""The pact as the document both teams sign: Markdown or self-contained HTML."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from leadpact.escaping import markdown_text
from leadpact.pact.examples import example_sentence
from leadpact.pact.phrases import (
    READINESS_WORDS,
    assignment_phrase,
    criterion_phrase,
    describe,
    duration_phrase,
    persona_labels,
    ready_sentence,
)
from leadpact.pact.schema import Pact
from leadpact.pact.values import format_value

TEMPLATES = Path(__file__).parent / "templates"
_ENVIRONMENTS: dict[str, Environment] = {}


def _as_markdown(value: Any) -> Any:
    # Every value the pact's authors wrote shows as itself: a label "<script>" or "*new*" is escaped. Ids, marked
    # safe in the template, are names of letters, digits, _ and - inside code spans, where escapes would show.
    return markdown_text(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _environment(html: bool) -> Environment:
    key = "html" if html else "md"
    if key not in _ENVIRONMENTS:
        _ENVIRONMENTS[key] = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=html,
                                         undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                         keep_trailing_newline=True, finalize=None if html else _as_markdown)
    return _ENVIRONMENTS[key]


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _approval(item: Any) -> dict[str, str]:
    at = _field(item, "at")
    when = at.strftime("%Y-%m-%d %H:%M %Z").strip() if isinstance(at, datetime) else str(at or "")
    return {"role": str(_field(item, "role") or ""), "name": str(_field(item, "name") or ""), "at": when}


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def _commitments(pact: Pact) -> list[dict[str, Any]]:
    commitments = pact.commitments
    if commitments is None:
        return []
    teams = []
    if commitments.marketing is not None:
        items = []
        if commitments.marketing.mqls_per_month is not None:
            items.append(f"deliver {format_value(commitments.marketing.mqls_per_month)} MQLs per month")
        if commitments.marketing.min_acceptance_rate is not None:
            rate = commitments.marketing.min_acceptance_rate * 100
            items.append(f"keep at least {format_value(round(rate, 1))}% of MQLs accepted by sales")
        teams.append({"team": "Marketing", "items": items})
    if commitments.sales is not None:
        items = []
        if commitments.sales.respond_within is not None:
            items.append(f"respond to every lead within {duration_phrase(commitments.sales.respond_within)}")
        if commitments.sales.feedback_on_every_lead:
            items.append("give feedback (accept, or reject with a reason) on every lead")
        teams.append({"team": "Sales", "items": items})
    return teams


def _sla(pact: Pact) -> dict[str, Any]:
    sla = pact.sla
    tiers = []
    for name, tier in (("Hot", sla.hot if sla else None), ("MQL", sla.mql if sla else None)):
        if tier is not None:
            tiers.append({
                "tier": name,
                "respond_within": duration_phrase(tier.respond_within),
                "escalate_to": tier.escalate_to or "nobody",
                "business_hours": "business hours" if tier.business_hours else "around the clock",
                "reassign_after": duration_phrase(tier.reassign_after) if tier.reassign_after else "never",
            })
    feedback = duration_phrase(sla.feedback_within) if sla and sla.feedback_within else None
    return {"tiers": tiers, "feedback_within": feedback}


def document_context(pact: Pact, approvals: Iterable[Any] = ()) -> dict[str, Any]:
    """Return everything the document shows, as plain strings, lists and mappings."""
    labels = persona_labels(pact)
    fit, engagement = pact.fit, pact.engagement
    grades = sorted(fit.grades.items(), key=lambda item: -item[1]) if fit else []
    return {
        "name": pact.name,
        "version": pact.leadpact,
        "sentence": ready_sentence(pact),
        "personas": [{"id": p.id, "label": p.label, "rule": describe(p.when, labels),
                      "buying_role": {True: "a buying role", False: "not a buying role", None: ""}[p.buying_role]}
                     for p in pact.personas],
        "grades": [{"grade": g, "threshold": format_value(t)} for g, t in grades],
        "lowest_grade": grades[-1][0] if grades else None,
        "fit": [{"id": c.id, "label": c.label, "rule": criterion_phrase(c, labels)} for c in (fit.criteria if fit
                                                                                             else [])],
        "half_life": format_value(engagement.half_life_days) if engagement else None,
        "engagement": [{"id": c.id, "label": c.label, "rule": criterion_phrase(c, labels)}
                       for c in (engagement.criteria if engagement else [])],
        "stages": [{"name": name, "rule": describe(stage.when, labels)}
                   for name, stage in (("Hot", pact.stages.hot), ("MQL", pact.stages.mql)) if stage],
        "disqualify": [{"id": d.id, "reason": d.reason, "rule": describe(d.when, labels)} for d in pact.disqualify],
        "readiness": _and([READINESS_WORDS[item] for item in pact.readiness.require]),
        "routing": [{"when": describe(r.when, labels) if r.when is not None else None,
                     "assign": assignment_phrase(r.assign)} for r in pact.routing],
        "sla": _sla(pact),
        "commitments": _commitments(pact),
        "rejection_reasons": [r.replace("_", " ") for r in pact.rejection_reasons],
        "lists": [{"name": name, "members": ", ".join(members)} for name, members in pact.lists.items()],
        "approvals": [_approval(a) for a in approvals],
        "examples": [example_sentence(example, labels) for example in pact.examples],
    }


def render_markdown(pact: Pact, approvals: Iterable[Any] = ()) -> str:
    """Return the pact document as Markdown."""
    return _environment(html=False).get_template("document.md.j2").render(document_context(pact, approvals))


def render_html(pact: Pact, approvals: Iterable[Any] = ()) -> str:
    """Return the pact document as one self-contained HTML page (no external files)."""
    return _environment(html=True).get_template("document.html.j2").render(document_context(pact, approvals))
