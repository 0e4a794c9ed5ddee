"""End to end in a real browser (Debian's Chromium through Playwright): a rep works their handoffs, a manager runs
the team, marketing and a sales manager sign a pact change that marketing activates, an admin erases a person.
Every page visited is saved as a PNG (see tests/web/browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from leadpact.db import session_scope
from leadpact.handoff.models import Handoff
from leadpact.lifecycle.models import Transition
from leadpact.org.models import Rep, User
from leadpact.pact.models import PactVersion
from leadpact.people.models import Person
from tests.handoff.fixtures import live  # noqa: F401
from tests.web.browser import Browsing, Server, chromium  # noqa: F401
from tests.web.world import PASSWORD, WebWorld, build_web_world, give_password


@pytest.fixture
def world(live: None, clock: Any) -> WebWorld:  # noqa: F811
    """The web tests' world on this test's database."""
    return build_web_world(set_password=give_password)


@pytest.fixture
def tab(world: WebWorld, chromium: Any, request: pytest.FixtureRequest) -> Iterator[Browsing]:  # noqa: F811
    """A browser tab on a live server over the world."""
    with Server() as server:
        browsing = Browsing(chromium, server.url, request.node.name)
        yield browsing
        browsing.close()


def test_a_rep_sees_only_their_handoffs_marks_contacted_and_rejects_with_a_reason(tab: Browsing,
                                                                                  world: WebWorld) -> None:
    page = tab.page
    tab.sign_in(world.sam, PASSWORD)
    page.wait_for_url("**/inbox")
    tab.shot("inbox")
    mine, theirs = world.handoffs[world.sam], world.handoffs[world.kim]
    assert [int(n) for n in page.locator("tr[data-handoff]").evaluate_all(
        "rows => rows.map(r => r.dataset.handoff)")] and all(
        page.locator(f"tr[data-handoff='{n}']").count() == 1 for n in mine)
    assert all(page.locator(f"tr[data-handoff='{n}']").count() == 0 for n in theirs)
    assert page.locator("time[data-deadline]").count() == len(mine)  # each untouched lead has its live clock

    page.click(f"tr[data-handoff='{mine[0]}'] a")
    page.wait_for_url(f"**/handoffs/{mine[0]}")
    assert "VP Data" in page.locator(".brief").inner_text()
    tab.shot("brief")
    page.click("button[value=contacted]")
    page.wait_for_url(f"**/handoffs/{mine[0]}?done=contacted")
    assert "SLA clock has stopped" in page.locator(".notice").inner_text()
    tab.shot("contacted")

    page.click("#reject-form button[type=submit]")  # no reason chosen
    error = page.locator("#reason-error")
    assert "exactly one reason" in error.inner_text()
    assert page.locator("#reason").get_attribute("aria-invalid") == "true"
    tab.shot("reject-refused")
    with session_scope() as session:
        assert session.get(Handoff, mine[0]).state == "open"

    page.select_option("#reason", "wrong_timing")
    page.fill("#note", "Budget opens in Q2")
    page.click("#reject-form button[type=submit]")
    page.wait_for_url(f"**/handoffs/{mine[0]}?done=reject")
    assert page.locator(".handoff-state").inner_text() == "rejected"
    tab.shot("rejected")
    with session_scope() as session:
        handoff = session.get(Handoff, mine[0])
        assert (handoff.rejection_reason, handoff.rejection_note) == ("wrong_timing", "Budget opens in Q2")
        actors = {t.actor for t in session.scalars(select(Transition).where(Transition.person_id == handoff.person_id,
                                                                            Transition.to_status == "rejected"))}
        assert actors == {f"user:{world.sam}"}

    page.goto(f"/handoffs/{theirs[0]}")  # another rep's handoff: refused, not shown
    assert page.locator("h1").inner_text() == "Not yours to see"
    tab.shot("another-reps-handoff")


def test_a_manager_sees_the_team_reassigns_a_handoff_and_sets_a_rep_away(tab: Browsing, world: WebWorld) -> None:
    page = tab.page
    tab.sign_in(world.manager, PASSWORD)
    page.wait_for_url("**/team")
    assert page.locator("tr[data-rep]").count() == 2
    tab.shot("team")

    moved = world.handoffs[world.sam][0]
    page.goto(f"/handoffs/{moved}")
    page.select_option("#rep_email", label="Kim Ode")
    tab.shot("reassign")
    page.click("form[action$='/reassign'] button")
    page.wait_for_url(f"**/handoffs/{moved}?done=reassign")
    assert "Kim Ode" in page.locator(".clocks").inner_text()
    tab.shot("reassigned")

    page.goto("/team")
    row = page.locator(f"tr[data-rep='{world.sam}']")
    row.locator("input[name=away]").check()
    row.locator("input[name=away_until]").fill("2026-10-20")
    row.locator("input[name=capacity]").fill("8")
    row.locator("button").click()
    page.wait_for_url("**/team?done=availability")
    tab.shot("rep-away")
    with session_scope() as session:
        assert session.get(Handoff, moved).rep_id != world_rep_id(session, world.sam)
        sam = session.get(Rep, world_rep_id(session, world.sam))
        assert sam.is_away and f"{sam.away_until:%Y-%m-%d}" == "2026-10-20" and sam.capacity == 8
        assert sam.availability_changed_by == world.manager


def world_rep_id(session: Any, email: str) -> int:
    """The rep id of a user."""
    return session.scalar(select(Rep.id).join(User, User.id == Rep.user_id).where(User.email == email))


def test_marketing_drafts_a_pact_change_a_manager_co_signs_and_marketing_activates(tab: Browsing,
                                                                                  world: WebWorld) -> None:
    page = tab.page
    tab.sign_in(world.marketer, PASSWORD)
    page.wait_for_url("**/dashboard")
    tab.shot("dashboard")
    page.goto("/pacts/new")
    source = page.locator("#source").input_value()
    page.fill("#source", source.replace("leadpact: 1", "leadpact: [1"))  # broken YAML first
    page.click("form[action='/pacts'] button")
    assert "line" in page.locator("#source-error").inner_text()
    tab.shot("draft-refused")
    page.fill("#source", source.replace("mqls_per_month: 120", "mqls_per_month: 150"))
    page.fill("#note", "A bigger MQL commitment")
    page.click("form[action='/pacts'] button")
    page.wait_for_url("**/pacts/2?done=draft")
    assert "150" in page.locator(".diff").inner_text()
    page.click("form[action$='/approve'] button")
    page.wait_for_url("**/pacts/2?done=approve")
    tab.shot("marketing-signed")
    tab.sign_out()

    tab.sign_in(world.manager, PASSWORD)
    page.goto("/pacts/2")
    page.click("form[action$='/approve'] button")
    page.wait_for_url("**/pacts/2?done=approve")
    tab.shot("manager-co-signed")
    tab.sign_out()

    tab.sign_in(world.marketer, PASSWORD)
    page.goto("/pacts/2")
    page.click("form[action$='/activate'] button")
    page.wait_for_url("**/pacts/2?done=activate")
    tab.shot("activated")
    with session_scope() as session:
        row = session.scalar(select(PactVersion).where(PactVersion.version == 2))
        assert row.state == "active"


def test_an_admin_erases_a_person(tab: Browsing, world: WebWorld) -> None:
    page = tab.page
    tab.sign_in(world.admin, PASSWORD)
    page.wait_for_url("**/admin")
    tab.shot("admin")
    page.click("a[href='/admin/privacy']")
    page.fill("#email", "jo@acme.example")
    page.click("form[action='/admin/privacy/erase'] button")  # not confirmed yet
    assert "cannot be undone" in page.locator("#confirm-error").inner_text()
    tab.shot("erase-refused")
    page.check("#confirm")
    page.click("form[action='/admin/privacy/erase'] button")
    assert "Erased" in page.locator(".erased h2").inner_text()
    tab.shot("erased")
    with session_scope() as session:
        person = session.get(Person, session.get(Handoff, world.handoffs[world.sam][0]).person_id)
        assert person.email is None and person.first_name is None
    page.goto(f"/handoffs/{world.handoffs[world.sam][0]}")  # the handoff stays, with nobody's name on it
    assert "Jo Acme" not in page.content()
    tab.shot("erased-handoff")
