"""A rep's availability: away (with the date they are back), capacity of open handoffs and routing weight.

Routing reads `is_away`; a manager sets all three with `set_availability`. Services flush; the caller commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from leadpact.audit import record
from leadpact.clock import get_clock
from leadpact.org.models import Rep
from leadpact.org.service import OrgError

MAX_WEIGHT = 100


class InvalidAvailability(OrgError):
    """A value a rep's availability cannot take; `field` names the input that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotYourTeam(PermissionError):
    """The rep is not in a team the acting manager manages."""


def is_away(rep: Rep, *, at: datetime | None = None) -> bool:
    """Whether the rep is away at `at` (default: now): marked away and not yet back on their return date."""
    if not rep.is_away:
        return False
    return rep.away_until is None or rep.away_until > (at or get_clock().now())


def set_availability(
    *, session: Session, rep_id: int, away: bool, away_until: datetime | None, capacity: int | None, weight: int,
    by: str, now: datetime, team_ids: Collection[int] | None = None, by_user_id: int | None = None,
) -> Rep:
    """Set a rep away (until a return date, or until set back) or available, their capacity of open handoffs
    (None: no limit) and routing weight (0: never picked by round robin); record who changed it and when, on the
    rep and in the audit trail.
    `team_ids` limits the change to reps of those teams (a manager's); None allows any rep."""
    rep = session.get(Rep, rep_id, with_for_update=True)
    if rep is None:
        raise InvalidAvailability("rep", f"no rep {rep_id}")
    if team_ids is not None and rep.team_id not in team_ids:
        raise NotYourTeam(f"rep {rep_id} is not in a team you manage")
    if away_until is not None and away_until <= now:
        raise InvalidAvailability("away_until", f"the return date {away_until:%Y-%m-%d} has already passed; "
                                                "give a later date, or leave it empty")
    if capacity is not None and capacity < 0:
        raise InvalidAvailability("capacity", f"capacity is a number of open handoffs, 0 or more (not {capacity}); "
                                              "leave it empty for no limit")
    if not 0 <= weight <= MAX_WEIGHT:
        raise InvalidAvailability("weight", f"the routing weight must be between 0 and {MAX_WEIGHT} (not {weight})")
    rep.is_away = away or away_until is not None
    rep.away_until = away_until if rep.is_away else None
    rep.capacity, rep.weight = capacity, weight
    rep.availability_changed_by, rep.availability_changed_at = by, now
    session.flush()
    record(session=session, actor=by, actor_user_id=by_user_id, action="rep.availability_set", subject=f"rep:{rep.id}",
           at=now, details={"away": rep.is_away, "away_until": away_until.isoformat() if away_until else None,
                            "capacity": capacity, "weight": weight})
    return rep
