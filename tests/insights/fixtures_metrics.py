"""A small workspace for the metrics and report tests, built with factories, whose figures are worked out by hand
in the tests: 11 MQLs in September 2026, 2 in August, 22 in July, across three channels, two personas, two teams.

Who is who (September; times UTC; `sla` = minutes to first touch):
  P1 Ann   hot  paid_search data_leader A 800   Sam  sla 5 ok     accepted, SQL, opportunity 50,000, won   v1
  P2 Ben   mql  paid_search data_leader B 3000  Sam  sla 240 ok   accepted, SQL, opportunity 30,000, lost  v1
  P3 Cat   mql  organic     data_leader B 120   Kim  sla 1560 breached+escalated, rejected late (size)  v1
  P4 Dan   mql  organic     practitioner C 40   Kim  sla 60 ok    rejected wrong_company_size             v1
  P5 Eva   mql  email       practitioner B 6000 Eve  sla 30 ok    rejected no_budget                      v1
  P6 Fay   hot  email       data_leader A 900   Eve  sla 45 breached+escalated, accepted, SQL           v1
  P7 Gus   mql  paid_search (none) B 2000       Sam  untouched: breached+escalated, feedback overdue   v2
  P8 Hal   mql  organic     data_leader* A 500  -    not handed off (* persona from the evaluation)    v2
  P9 Ivy   mql  paid_search data_leader A 300   Kim  sla 1080 ok  open, feedback not yet due            v2
  P10 Jon  mql→hot email    practitioner B 250  Eve  sla 20 ok    accepted, opportunity 20,000 (no sql) v2
  P12 Lee  mql  organic     practitioner C 150  Kim  sla 60 ok    accepted (re-qualified after August)   v2
August: P11 Kay (accepted; SQL on 2 Sep), P12 Lee (rejected wrong_timing, recycled).
July: F1–F22, one MQL a day from 2 July; F1 was handed off to Sam and accepted on 3 July, then nothing (stuck).
P13 Max waits in needs_context since 26 September (missing industry, problem)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from leadpact.db import session_scope
from leadpact.handoff import Handoff, Opportunity
from leadpact.lifecycle import SYSTEM, Status, is_allowed, move
from leadpact.org.models import Rep
from leadpact.pact.models import Evaluation
from leadpact.people.models import Person
from tests.handoff.factories import activate, make_account, make_person, make_rep, make_team, make_user

AS_OF = datetime(2026, 10, 1, tzinfo=UTC)
CHANNELS = {"paid_search": ("google", "cpc"), "organic": ("google", "organic"), "email": ("newsletter", "email"),
            "social": ("linkedin", "social")}


def at(text: str) -> datetime:
    """A UTC moment written `MM-DD HH:MM` in 2026."""
    return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


@dataclass
class Workspace:
    """Ids the tests look up by name."""

    people: dict[str, int] = field(default_factory=dict)
    handoffs: dict[str, int] = field(default_factory=dict)


class Builder:
    """Adds people, their lifecycle moves, handoffs and opportunities."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.space = Workspace()
        north, emea = make_team(session, "north_america"), make_team(session, "emea")
        self.reps = {"sam": make_rep(session, "sam@nw.example", "Sam Park", north),
                     "kim": make_rep(session, "kim@nw.example", "Kim Ode", north),
                     "eve": make_rep(session, "eve@nw.example", "Eve Ray", emea)}
        make_user(session, "ada@nw.example", "Ada Admin", "admin")

    def person(self, key: str, first: str, *, channel: str, employees: int | None = None,
               industry: str = "software") -> Person:
        """Add a known person at their own account, first touched through `channel`."""
        account = make_account(self.session, f"{first} Co", f"{key}.example", employees=employees or 100,
                               industry=industry) if employees else None
        source, medium = CHANNELS[channel]
        person = make_person(self.session, f"{key}@{key}.example", account, first=first, last="Test", status="known",
                             first_touch_channel=channel, first_touch_source=source, first_touch_medium=medium)
        self.space.people[key] = person.id
        return person

    def moves(self, person: Person, version: int, *steps: tuple[str, str, dict[str, Any] | None]) -> None:
        """Walk the person through lifecycle moves `(to, "MM-DD HH:MM", reasons)` as the system or a rep would."""
        for to, when, reasons in steps:
            automatic = is_allowed(Status(person.status), Status(to), automatic=True)
            move(session=self.session, person=person, to=to, at=at(when), actor=SYSTEM if automatic else "user:t",
                 pact_version=version, reasons=reasons or {})

    def handoff(self, key: str, person: Person, rep: str, when: str, *, version: int, tier: str = "mql",
                touch: str | None = None, **columns: Any) -> Handoff:
        """Add a handoff to a rep made at `when`, clocks as given (times as `MM-DD HH:MM`)."""
        made = at(when)
        window = timedelta(minutes=15) if tier == "hot" else timedelta(days=1)
        rep_row: Rep = self.reps[rep]
        times = {name: at(value) if name.endswith("_at") else value for name, value in columns.items()}
        handoff = Handoff(person_id=person.id, account_id=person.account_id, rep_id=rep_row.id,
                          team_id=rep_row.team_id, tier=tier, state=times.pop("state", "open"), pact_version=version,
                          routing_reason="test", brief="test", created_at=made, sla_due_at=made + window,
                          first_touch_at=at(touch) if touch else None, feedback_due_at=made + timedelta(days=5),
                          criteria={"criteria": [{"id": "demo", "label": "Requested a demo"}]}, **times)
        self.session.add(handoff)
        self.session.flush()
        self.space.handoffs[key] = handoff.id
        return handoff

    def opportunity(self, person: Person, handoff: Handoff, opened: str, amount: float, *, stage: str = "open",
                    closed: str | None = None, lost_reason: str | None = None) -> None:
        """Add an opportunity opened from a handoff."""
        self.session.add(Opportunity(person_id=person.id, handoff_id=handoff.id, account_id=person.account_id,
                                     amount=amount, stage=stage, opened_at=at(opened),
                                     closed_at=at(closed) if closed else None, lost_reason=lost_reason))
        self.session.flush()


def why(persona: str | None, grade: str, fit: float = 60.0, engagement: float = 40.0) -> dict[str, Any]:
    """The reasons the engine records when it moves someone to mql or hot."""
    return {"persona": persona, "grade": grade, "fit_score": fit, "engagement_score": engagement,
            "matched": [{"section": "fit", "id": "size", "points": 30}, {"section": "engagement", "id": "demo",
                                                                       "points": 40}]}


def _september(b: Builder) -> None:
    """P1–P10: September's MQLs."""
    p = b.person("p1", "Ann", channel="paid_search", employees=800)
    b.moves(p, 1, ("engaged", "09-01 09:00", None), ("hot", "09-02 10:00", why("data_leader", "A")),
            ("handed_off", "09-02 10:00", None), ("accepted", "09-02 11:00", None), ("sql", "09-05 10:00", None),
            ("opportunity", "09-10 10:00", None), ("won", "09-25 10:00", None))
    h = b.handoff("p1", p, "sam", "09-02 10:00", version=1, tier="hot", touch="09-02 10:05", state="accepted",
                  disposition_at="09-02 11:00")
    b.opportunity(p, h, "09-10 10:00", 50000, stage="won", closed="09-25 10:00")

    p = b.person("p2", "Ben", channel="paid_search", employees=3000, industry="fintech")
    b.moves(p, 1, ("mql", "09-03 09:00", why("data_leader", "B")), ("handed_off", "09-03 09:00", None),
            ("accepted", "09-04 09:00", None), ("sql", "09-12 09:00", None), ("opportunity", "09-15 09:00", None),
            ("lost", "09-28 09:00", {"reason": "price"}))
    h = b.handoff("p2", p, "sam", "09-03 09:00", version=1, touch="09-03 13:00", state="accepted",
                  disposition_at="09-04 09:00")
    b.opportunity(p, h, "09-15 09:00", 30000, stage="lost", closed="09-28 09:00", lost_reason="price")

    p = b.person("p3", "Cat", channel="organic", employees=120)
    b.moves(p, 1, ("mql", "09-05 12:00", why("data_leader", "B")), ("handed_off", "09-05 12:00", None),
            ("rejected", "09-11 12:00", None), ("disqualified", "09-11 12:00", None))
    b.handoff("p3", p, "kim", "09-05 12:00", version=1, touch="09-06 14:00", sla_breached_at="09-06 12:00",
              escalated_at="09-06 12:00", state="rejected", disposition_at="09-11 12:00",
              rejection_reason="wrong_company_size", rejection_note="too small for us")

    p = b.person("p4", "Dan", channel="organic", employees=40)
    b.moves(p, 1, ("mql", "09-08 08:00", why("practitioner", "C")), ("handed_off", "09-08 08:00", None),
            ("rejected", "09-09 08:00", None), ("disqualified", "09-09 08:00", None))
    b.handoff("p4", p, "kim", "09-08 08:00", version=1, touch="09-08 09:00", state="rejected",
              disposition_at="09-09 08:00", rejection_reason="wrong_company_size")

    p = b.person("p5", "Eva", channel="email", employees=6000)
    b.moves(p, 1, ("mql", "09-10 10:00", why("practitioner", "B")), ("handed_off", "09-10 10:00", None),
            ("rejected", "09-12 10:00", None), ("nurture", "09-12 10:00", None))
    b.handoff("p5", p, "eve", "09-10 10:00", version=1, touch="09-10 10:30", state="rejected",
              disposition_at="09-12 10:00", rejection_reason="no_budget")

    p = b.person("p6", "Fay", channel="email", employees=900, industry="fintech")
    b.moves(p, 1, ("hot", "09-15 09:00", why("data_leader", "A")), ("handed_off", "09-15 09:00", None),
            ("accepted", "09-16 09:00", None), ("sql", "09-18 09:00", None))
    b.handoff("p6", p, "eve", "09-15 09:00", version=1, tier="hot", touch="09-15 09:45",
              sla_breached_at="09-15 09:15", escalated_at="09-15 09:15", state="accepted",
              disposition_at="09-16 09:00")

    p = b.person("p7", "Gus", channel="paid_search", employees=2000)
    b.moves(p, 2, ("mql", "09-24 10:00", why(None, "B")), ("handed_off", "09-24 10:00", None))
    b.handoff("p7", p, "sam", "09-24 10:00", version=2, sla_breached_at="09-25 10:00", escalated_at="09-25 10:00")

    p = b.person("p8", "Hal", channel="organic", employees=500)
    b.moves(p, 2, ("mql", "09-25 11:00", {"grade": "A"}))
    b.session.add(Evaluation(person_id=p.id, pact_version=2, fit_score=70, grade="A", engagement_score=35,
                             persona="data_leader", buying_role=True, status="mql", matched={}, missing={},
                             evaluated_at=at("09-25 11:00")))

    p = b.person("p9", "Ivy", channel="paid_search", employees=300)
    b.moves(p, 2, ("mql", "09-29 15:00", why("data_leader", "A")), ("handed_off", "09-29 15:00", None))
    b.handoff("p9", p, "kim", "09-29 15:00", version=2, touch="09-30 09:00")

    p = b.person("p10", "Jon", channel="email", employees=250, industry="fintech")
    b.moves(p, 2, ("mql", "09-12 10:00", why("practitioner", "B")), ("hot", "09-12 11:00", why("practitioner", "B")),
            ("handed_off", "09-12 12:00", None), ("accepted", "09-14 12:00", None),
            ("opportunity", "09-20 12:00", None))
    h = b.handoff("p10", p, "eve", "09-12 12:00", version=2, tier="hot", touch="09-12 12:20", state="accepted",
                  disposition_at="09-14 12:00")
    h.sla_due_at = at("09-13 12:00")  # handed off on the mql clock before the hot signal's window applied
    b.opportunity(p, h, "09-20 12:00", 20000)


def _earlier(b: Builder) -> None:
    """P11 and P12 (August, P12 again in September), P13 held for context, F1–F22 in July."""
    p = b.person("p11", "Kay", channel="paid_search", employees=700)
    b.moves(p, 1, ("mql", "08-10 10:00", why("data_leader", "A")), ("handed_off", "08-10 10:00", None),
            ("accepted", "08-11 10:00", None), ("sql", "09-02 10:00", None))
    b.handoff("p11", p, "sam", "08-10 10:00", version=1, touch="08-10 10:10", state="accepted",
              disposition_at="08-11 10:00")

    p = b.person("p12", "Lee", channel="organic", employees=150)
    b.moves(p, 1, ("mql", "08-20 10:00", why("practitioner", "C")), ("handed_off", "08-20 10:00", None),
            ("rejected", "08-22 10:00", None), ("nurture", "08-22 10:00", None))
    b.handoff("p12-aug", p, "kim", "08-20 10:00", version=1, touch="08-21 10:00", state="rejected",
              disposition_at="08-22 10:00", rejection_reason="wrong_timing")
    b.moves(p, 2, ("mql", "09-22 10:00", why("practitioner", "C")), ("handed_off", "09-22 10:00", None),
            ("accepted", "09-23 10:00", None))
    b.handoff("p12", p, "kim", "09-22 10:00", version=2, touch="09-22 11:00", state="accepted",
              disposition_at="09-23 10:00")

    p = b.person("p13", "Max", channel="organic", employees=None)
    b.moves(p, 2, ("engaged", "09-20 10:00", None),
            ("needs_context", "09-26 10:00", {"missing": ["industry", "problem"]}))

    for number in range(1, 23):
        p = b.person(f"f{number}", f"Filler{number:02d}", channel="social", employees=100)
        b.moves(p, 1, ("mql", f"07-{number + 1:02d} 10:00", why(None, "C")))
        if number == 1:
            b.moves(p, 1, ("handed_off", "07-02 10:00", None), ("accepted", "07-03 10:00", None))
            b.handoff("f1", p, "sam", "07-02 10:00", version=1, touch="07-02 10:30", state="accepted",
                      disposition_at="07-03 10:00")


def build_workspace() -> Workspace:
    """Build the workspace in the test database (committed, so the CLI and the API see it)."""
    with session_scope() as session:
        activate(session)
        builder = Builder(session)
        _september(builder)
        _earlier(builder)
        return builder.space
