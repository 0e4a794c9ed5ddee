"""From an evaluation to a lifecycle target, and the record kept of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leadpact.lifecycle import Status
from leadpact.pact import Evaluation


def target_status(evaluation: Evaluation) -> Status:
    """The lifecycle state an evaluation points to: qualified with context missing waits in needs_context."""
    if evaluation.status in ("mql", "hot") and evaluation.missing:
        return Status.needs_context
    return Status(evaluation.status)


def reasons(evaluation: Evaluation) -> dict[str, Any]:
    """Why the engine moved a person: the criteria that fired with points, the scores, what is missing."""
    return {
        "fit_score": evaluation.fit_score,
        "grade": evaluation.grade,
        "engagement_score": evaluation.engagement_score,
        "persona": evaluation.persona,
        "matched": [{"section": m.section, "id": m.id, "points": round(m.points, 2)} for m in evaluation.matched],
        "disqualified_by": [d.reason for d in evaluation.disqualified_by],
        "stages": list(evaluation.stages),
        "missing": list(evaluation.missing),
    }


def evaluation_row(person_id: int, version: int, evaluation: Evaluation, now: datetime) -> dict[str, Any]:
    """The stored form of a person's latest evaluation."""
    return {
        "person_id": person_id,
        "pact_version": version,
        "fit_score": float(evaluation.fit_score),
        "grade": evaluation.grade,
        "engagement_score": float(evaluation.engagement_score),
        "persona": evaluation.persona,
        "buying_role": evaluation.buying_role,
        "status": evaluation.status,
        "matched": {
            "criteria": [
                {
                    "section": m.section,
                    "id": m.id,
                    "label": m.label,
                    "points": round(m.points, 2),
                    "occurrences": m.occurrences,
                }
                for m in evaluation.matched
            ],
            "stages": list(evaluation.stages),
            "disqualified_by": [d.reason for d in evaluation.disqualified_by],
            "errors": [f"{e.section}/{e.id}: {e.message}" for e in evaluation.errors],
        },
        "missing": {"items": list(evaluation.missing)},
        "evaluated_at": now,
    }
