"""Format 1 of the pact as pydantic models: the shape of the document, nothing about its meaning.

Meaning (operators, references, order, ranges) is checked by `checks.py`, which can point at
the exact line of each problem; these models give the typed pact the engine compiles.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, PlainValidator, Tag

from leadpact.pact.durations import parse_duration
from leadpact.pact.values import is_number

READINESS_ITEMS = ("company", "industry", "company_size", "role", "engagement", "problem")
CONDITION_KEYS = ("all", "any", "none", "field", "event", "score", "grade", "persona", "buying_role")


def _number(value: Any) -> int | float:
    if not is_number(value):
        raise ValueError(f"expected a number, got {value!r}")
    return value


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _moment(value: Any) -> datetime:
    """An example's `as_of`: ISO 8601 text, or the timestamp or date YAML already read; naive means UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected an ISO 8601 moment such as 2026-10-02T09:00:00Z, got {value!r}") from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise ValueError(f"expected an ISO 8601 moment such as 2026-10-02T09:00:00Z, got {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Number = Annotated[int | float, PlainValidator(_number)]
Moment = Annotated[datetime, PlainValidator(_moment)]
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")]
Names = Annotated[list[str], BeforeValidator(_one_or_many)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AllOf(_Model):
    """Holds when every condition holds."""

    all: list[Condition]


class AnyOf(_Model):
    """Holds when at least one condition holds."""

    any: list[Condition]


class NoneOf(_Model):
    """Holds when no condition holds."""

    none: list[Condition]


class FieldTest(_Model):
    """`{field: PATH, op: OP, value: V}`: a test of one person, account or event field."""

    field: str
    op: str
    value: Any = None


class Count(_Model):
    """`count: {op, value}`: how many matching events an event test needs."""

    op: str
    value: Any


class EventTest(_Model):
    """`{event: NAME, where, within_days, count}`: the person's matching events."""

    event: str
    where: Condition | None = None
    within_days: Number | None = None
    count: Count | None = None


class ScoreTest(_Model):
    """`{score: fit|engagement, op, value}`."""

    score: Literal["fit", "engagement"]
    op: str
    value: Any = None


class GradeTest(_Model):
    """`{grade: [A, B]}`."""

    grade: Names


class PersonaTest(_Model):
    """`{persona: [ids]}`."""

    persona: Names


class BuyingRoleTest(_Model):
    """`{buying_role: true|false}`: holds when the person's persona has that buying role."""

    buying_role: bool


def condition_kind(value: Any) -> str | None:
    """Return which kind of condition a mapping (or model) is, by its first telling key."""
    for key in CONDITION_KEYS:
        if (key in value) if isinstance(value, dict) else hasattr(value, key):
            return key
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NoneOf, Tag("none")]
    | Annotated[FieldTest, Tag("field")]
    | Annotated[EventTest, Tag("event")]
    | Annotated[ScoreTest, Tag("score")]
    | Annotated[GradeTest, Tag("grade")]
    | Annotated[PersonaTest, Tag("persona")]
    | Annotated[BuyingRoleTest, Tag("buying_role")],
    Discriminator(
        condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys: " + ", ".join(CONDITION_KEYS),
    ),
]


class Persona(_Model):
    """A persona: the first whose `when` holds is the person's."""

    id: Identifier
    label: str
    buying_role: bool | None = None
    when: Condition


class FitCriterion(_Model):
    """A fit criterion: points when its `when` holds."""

    id: Identifier
    label: str
    when: Condition
    points: Number


class Fit(_Model):
    """Fit: criteria summed into a score, graded by thresholds."""

    grades: Annotated[dict[str, Number], Field(min_length=1)]
    criteria: list[FitCriterion] = []


class EngagementCriterion(_Model):
    """An engagement criterion: points for each matching event, decaying with age."""

    id: Identifier
    label: str
    when: Condition
    points: Number
    max_per_day: Annotated[int, Field(ge=1)] | None = None


class Engagement(_Model):
    """Engagement: decayed points of behaviour."""

    half_life_days: Annotated[Number, Field(gt=0)]
    criteria: list[EngagementCriterion] = []


class Stage(_Model):
    """A stage (mql or hot): holds when its `when` holds."""

    when: Condition


class Stages(_Model):
    """The two stages a lead can reach before handoff."""

    mql: Stage | None = None
    hot: Stage | None = None


class Disqualifier(_Model):
    """A disqualifier: when it holds, the person is disqualified with its reason."""

    id: Identifier
    reason: str
    when: Condition


class Readiness(_Model):
    """What must be answerable before a lead is handed off."""

    require: list[Literal["company", "industry", "company_size", "role", "engagement", "problem"]] = []


class TeamAssignment(_Model):
    """Assign to a team's reps in turn."""

    team: str
    method: Literal["round_robin", "weighted_round_robin"] = "round_robin"


class RepAssignment(_Model):
    """Assign to one named rep."""

    rep: str


def assignment_kind(value: Any) -> str | None:
    """Return which kind of routing assignment a value is."""
    if isinstance(value, str):
        return "owner"
    if isinstance(value, dict):
        return "rep" if "rep" in value else "team"
    return {TeamAssignment: "team", RepAssignment: "rep"}.get(type(value))


Assignment = Annotated[
    Annotated[Literal["account_owner"], Tag("owner")]
    | Annotated[TeamAssignment, Tag("team")]
    | Annotated[RepAssignment, Tag("rep")],
    Discriminator(
        assignment_kind,
        custom_error_type="assignment",
        custom_error_message="assign must be account_owner, {team: NAME, method: round_robin} or {rep: EMAIL}",
    ),
]


class RoutingRule(_Model):
    """A routing rule: the first whose `when` holds (or that has none) assigns."""

    when: Condition | None = None
    assign: Assignment


class SlaTier(_Model):
    """Speed-to-lead for one tier."""

    respond_within: Duration
    escalate_to: str | None = None
    business_hours: bool = False
    reassign_after: Duration | None = None


class Sla(_Model):
    """Speed-to-lead per tier, and the feedback clock."""

    hot: SlaTier | None = None
    mql: SlaTier | None = None
    feedback_within: Duration | None = None


class MarketingCommitments(_Model):
    """What marketing commits to deliver."""

    mqls_per_month: Annotated[int, Field(ge=0)] | None = None
    min_acceptance_rate: Annotated[Number, Field(ge=0, le=1)] | None = None


class SalesCommitments(_Model):
    """What sales commits to do with each lead."""

    respond_within: Duration | None = None
    feedback_on_every_lead: bool | None = None


class Commitments(_Model):
    """Both teams' commitments."""

    marketing: MarketingCommitments | None = None
    sales: SalesCommitments | None = None


class Example(_Model):
    """A case both teams wrote down: a person, their account and events at a moment, and what the rules must
    make of them (the status, and optionally the persona and grade)."""

    name: str | None = None
    person: dict[str, Any] = {}
    account: dict[str, Any] | None = None
    events: list[dict[str, Any]] = []
    as_of: Moment
    status: Literal["disqualified", "hot", "mql", "engaged", "known", "anonymous"]
    persona: str | None = None
    grade: str | None = None


class Pact(_Model):
    """A pact, format 1."""

    leadpact: Literal[1]
    name: Annotated[str, Field(min_length=1)]
    ready_when: str | None = None
    personas: list[Persona] = []
    fit: Fit | None = None
    engagement: Engagement | None = None
    stages: Stages = Stages()
    disqualify: list[Disqualifier] = []
    readiness: Readiness = Readiness()
    routing: list[RoutingRule] = []
    sla: Sla | None = None
    commitments: Commitments | None = None
    rejection_reasons: list[Identifier] = []
    lists: dict[str, list[str]] = {}
    examples: list[Example] = []


for _model in (AllOf, AnyOf, NoneOf, EventTest):
    _model.model_rebuild()
