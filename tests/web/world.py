"""The web tests' world: the handoff tests' small sales org (Northwind pact, manager Mia, reps Sam and Kim, admin
Ada) plus a marketer, everyone with a password, and hot leads at several companies handed off to both reps."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from leadpact.db import session_scope
from leadpact.handoff.models import Handoff
from leadpact.org.models import Rep, User
from leadpact.people.models import Person
from tests.handoff.factories import NOW, make_user
from tests.handoff.fixtures import build_world, demo_request, page, send

PASSWORD = "correct horse battery staple"
COMPANIES = [("Acme", "acme.example"), ("Globex", "globex.example"), ("Initech", "initech.example"),
             ("Umbrella", "umbrella.example")]


@dataclass
class WebWorld:
    """Who is who, and whose handoffs are whose."""

    sam: str = "sam@nw.example"
    kim: str = "kim@nw.example"
    manager: str = "mia@nw.example"
    admin: str = "ada@nw.example"
    marketer: str = "mo@nw.example"
    handoffs: dict[str, list[int]] = field(default_factory=dict)  # rep email → their handoff ids
    names: dict[int, str] = field(default_factory=dict)  # handoff id → the lead's name


def hot_lead_at(index: int, company: str, domain: str) -> None:
    """A VP of Data at `company` identifies, reads, and asks for a demo."""
    user_id, first = f"u{index}", ["Jo", "Al", "Bo", "Cy", "Di", "Ed"][index % 6]
    traits = {"email": f"{first.lower()}@{domain}", "firstName": first, "lastName": company, "title": "VP Data",
              "department": "data", "seniority": "vp",
              "company": {"name": company, "industry": "software", "employee_count": 800, "country": "US"}}
    send({"type": "identify", "userId": user_id, "messageId": f"i-{user_id}", "timestamp": "2026-09-20T09:00:00Z",
          "traits": traits},
         page("/guides/cutting-warehouse-cost", "2026-09-28T10:00:00Z", user_id),
         page("/pricing", "2026-09-30T10:00:00Z", user_id))
    send(demo_request(user_id))


def build_web_world(*, set_password: object) -> WebWorld:
    """Build the world; `set_password(session, user, password)` gives each user their password."""
    build_world()
    with session_scope() as session:
        make_user(session, "mo@nw.example", "Mo Marketing", "marketing")
    for index, (company, domain) in enumerate(COMPANIES):
        hot_lead_at(index, company, domain)
    world = WebWorld()
    with session_scope() as session:
        for user in session.scalars(select(User)):
            set_password(session, user, PASSWORD)  # type: ignore[operator]
        rows = session.execute(select(Handoff.id, User.email, Person.first_name, Person.last_name)
                               .join(Rep, Rep.id == Handoff.rep_id).join(User, User.id == Rep.user_id)
                               .join(Person, Person.id == Handoff.person_id).order_by(Handoff.id)).all()
        for handoff_id, email, first, last in rows:
            world.handoffs.setdefault(email, []).append(handoff_id)
            world.names[handoff_id] = f"{first} {last}"
    return world


__all__ = ["NOW", "PASSWORD", "WebWorld", "build_web_world", "give_password", "hot_lead_at"]


def give_password(session: object, user: User, password: str) -> None:
    """Set a user's password through the access domain, as `leadpact users set-password` does."""
    from leadpact.access import set_password

    set_password(session=session, user=user, password=password, now=NOW, actor="test")  # type: ignore[arg-type]
