"""The live evaluator's Evaluation of people decided in bulk, rebuilt from the vectorised columns: what listeners
to moves receive (the handoff routes, briefs and publishes from it), equal to the live one field for field."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from leadpact.engine.bulk import detail_columns
from leadpact.pact import CompiledPact, Evaluation, as_utc
from leadpact.pact.results import Disqualification, MatchedCriterion, Route


def evaluations(compiled: CompiledPact, frame: pl.DataFrame, now: datetime) -> dict[int, Evaluation]:
    """Return each person's Evaluation from a BulkDecisions frame (people decided in bulk only: no errors)."""
    moment = as_utc(now)
    fit, engagement = compiled.fit, compiled.engagement
    rules = {rule.id: rule for rule, _ in compiled.disqualify}
    columns = ["person", "engagement_score", "persona", "buying_role", "status", *detail_columns(compiled)]
    found = {}
    for row in frame.select(columns).iter_rows(named=True):
        score = 0  # as the live engine adds fit points: an integer until a float criterion holds
        matched = []
        for index, (criterion, _) in enumerate(fit):
            if row[f"fit{index}"]:
                score += criterion.points
                matched.append(MatchedCriterion("fit", criterion.id, criterion.label, criterion.points))
        grade = next((g for t, g in compiled.grades if score >= t), compiled.grades[-1][1] if compiled.grades else None)
        for index, rule in enumerate(engagement):
            if row[f"n{index}"] is not None:
                criterion = rule.criterion
                matched.append(MatchedCriterion("engagement", criterion.id, criterion.label, row[f"points{index}"],
                                                row[f"n{index}"]))
        route = None
        if row["route"] is not None:
            assigned = compiled.routing[row["route"]][0].assign
            route = Route(row["route"], assigned if isinstance(assigned, str) else assigned.model_dump())
        found[row["person"]] = Evaluation(
            as_of=moment,
            fit_score=score,
            grade=grade,
            engagement_score=row["engagement_score"],
            persona=row["persona"],
            buying_role=row["buying_role"],
            status=row["status"],
            matched=tuple(matched),
            disqualified_by=tuple(Disqualification(rules[i].id, rules[i].reason) for i in row["disqualified_by"]),
            stages=tuple(name for name, _ in compiled.stages if row[name]),
            missing=tuple(row["missing_items"]),
            route=route,
            errors=(),
        )
    return found
