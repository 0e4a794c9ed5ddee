"""What an evaluation gives back: scores, persona, status and the reasons behind each."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

STATUSES = ("disqualified", "hot", "mql", "engaged", "known", "anonymous")


@dataclass(frozen=True, slots=True)
class MatchedCriterion:
    """A criterion that held: its points (decayed and summed, for engagement) and how often it scored."""

    section: str  # fit | engagement
    id: str
    label: str
    points: float
    occurrences: int | None = None


@dataclass(frozen=True, slots=True)
class Disqualification:
    """A disqualifier that held."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ConditionFailure:
    """A rule that could not be decided, and why: an evaluation error, never a silent false."""

    section: str
    id: str
    message: str


@dataclass(frozen=True, slots=True)
class Route:
    """The first routing rule that held (its 0-based position) and what it assigns."""

    rule: int
    assign: str | dict[str, str]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The result of applying a pact to one person at one moment."""

    as_of: datetime
    fit_score: float
    grade: str | None
    engagement_score: float
    persona: str | None
    buying_role: bool | None
    status: str
    matched: tuple[MatchedCriterion, ...]
    disqualified_by: tuple[Disqualification, ...]
    stages: tuple[str, ...]
    missing: tuple[str, ...]
    route: Route | None
    errors: tuple[ConditionFailure, ...]

    @property
    def ready(self) -> bool:
        """Tell whether the person qualifies (hot or mql) with nothing missing."""
        return self.status in ("hot", "mql") and not self.missing

    def to_dict(self) -> dict[str, Any]:
        """Return the evaluation as JSON-ready data."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        data["stages"] = list(self.stages)
        data["missing"] = list(self.missing)
        for item in data["matched"]:
            if item["occurrences"] is None:
                del item["occurrences"]
        return data
