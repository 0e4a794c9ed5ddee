"""Identity and accounts: anonymous history joins on identify, alias merges, group makes accounts,
people match accounts by email domain (never free-mail), else by company name."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from leadpact.ingest.models import Event
from leadpact.ingest.service import parse_batch, store_messages
from leadpact.people.models import Account, Identity, Person

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def ingest(session, *messages):
    parsed, rejected = parse_batch(messages, received_at=NOW)
    assert rejected == []
    result = store_messages(session, parsed, now=NOW)
    session.flush()
    return result


def people(session):
    return session.scalars(select(Person).order_by(Person.id)).all()


def test_anonymous_history_joins_person_on_identify(session):
    ingest(
        session,
        {
            "type": "page",
            "anonymousId": "anon-7",
            "messageId": "p1",
            "properties": {"path": "/pricing"},
            "timestamp": "2026-09-01T10:00:00Z",
        },
        {
            "type": "track",
            "anonymousId": "anon-7",
            "event": "Content Downloaded",
            "messageId": "t1",
            "timestamp": "2026-09-02T10:00:00Z",
        },
    )
    assert len(people(session)) == 1
    ingest(
        session,
        {
            "type": "identify",
            "anonymousId": "anon-7",
            "userId": "u-7",
            "messageId": "i1",
            "traits": {"email": "Mia@Northwind.io", "title": "Director of Data"},
        },
    )
    [person] = people(session)
    assert person.email == "mia@northwind.io" and person.user_id == "u-7"
    assert {e.person_id for e in session.scalars(select(Event))} == {person.id}


def test_identified_person_absorbs_a_later_anonymous_device(session):
    ingest(session, {"type": "identify", "userId": "u-1", "messageId": "i1", "traits": {"email": "a@acme.io"}})
    ingest(session, {"type": "page", "anonymousId": "phone-1", "messageId": "p1"})
    assert len(people(session)) == 2
    ingest(
        session,
        {"type": "track", "userId": "u-1", "anonymousId": "phone-1", "event": "Demo Requested", "messageId": "t1"},
    )
    [person] = people(session)
    assert person.user_id == "u-1"
    assert session.scalar(select(func.count()).select_from(Event).where(Event.person_id == person.id)) == 3


def test_shared_anonymous_id_never_fuses_two_known_people(session):
    ingest(
        session,
        {
            "type": "identify",
            "userId": "u-1",
            "anonymousId": "kiosk",
            "messageId": "i1",
            "traits": {"email": "a@acme.io"},
        },
        {"type": "identify", "userId": "u-2", "messageId": "i2", "traits": {"email": "b@acme.io"}},
        {"type": "track", "userId": "u-2", "anonymousId": "kiosk", "event": "x", "messageId": "t1"},
    )
    assert len(people(session)) == 2


def test_alias_merges_previous_identity(session):
    ingest(
        session,
        {"type": "track", "userId": "old-id", "event": "Webinar Attended", "messageId": "t1"},
        {"type": "identify", "userId": "new-id", "messageId": "i1", "traits": {"email": "c@acme.io"}},
    )
    assert len(people(session)) == 2
    ingest(session, {"type": "alias", "userId": "new-id", "previousId": "old-id", "messageId": "a1"})
    [person] = people(session)
    kinds = set(session.execute(select(Identity.kind, Identity.value).where(Identity.person_id == person.id)))
    assert {("user_id", "old-id"), ("user_id", "new-id")} <= kinds


def test_group_creates_and_updates_the_account(session):
    ingest(
        session,
        {
            "type": "group",
            "userId": "u-1",
            "groupId": "acme.io",
            "messageId": "g1",
            "traits": {"name": "Acme", "industry": "software", "employees": 450},
        },
    )
    [account] = session.scalars(select(Account)).all()
    assert (account.name, account.industry, account.employees, account.domain) == ("Acme", "software", 450, "acme.io")
    ingest(
        session,
        {"type": "group", "userId": "u-1", "groupId": "acme.io", "messageId": "g2", "traits": {"employees": "1,200"}},
    )
    session.refresh(account)
    assert account.employees == 1200
    assert people(session)[0].account_id == account.id


def test_people_match_accounts_by_email_domain_not_freemail(session):
    ingest(
        session,
        {"type": "identify", "userId": "u-1", "messageId": "i1", "traits": {"email": "x@globex.com"}},
        {"type": "identify", "userId": "u-2", "messageId": "i2", "traits": {"email": "y@globex.com"}},
        {"type": "identify", "userId": "u-3", "messageId": "i3", "traits": {"email": "z@gmail.com"}},
    )
    first, second, freemail = people(session)
    assert first.account_id is not None and first.account_id == second.account_id
    assert freemail.account_id is None
    assert session.scalar(select(Account.domain)) == "globex.com"


def test_freemail_person_matches_account_by_company_name(session):
    ingest(
        session,
        {
            "type": "group",
            "userId": "u-1",
            "groupId": "initech.com",
            "messageId": "g1",
            "traits": {"name": "Initech, Inc."},
        },
        {
            "type": "identify",
            "userId": "u-2",
            "messageId": "i2",
            "traits": {"email": "peter@gmail.com", "company": "Initech"},
        },
    )
    group_member, freemail = people(session)
    assert freemail.account_id == group_member.account_id


def test_identify_fills_account_firmographics_from_company_trait(session):
    ingest(
        session,
        {
            "type": "identify",
            "userId": "u-1",
            "messageId": "i1",
            "traits": {
                "email": "ann@umbrella.co",
                "company": {"name": "Umbrella", "industry": "pharma", "employee_count": 3000},
            },
        },
    )
    account = session.scalars(select(Account)).one()
    assert (account.domain, account.name, account.industry, account.employees) == (
        "umbrella.co",
        "Umbrella",
        "pharma",
        3000,
    )


def test_first_touch_is_the_earliest_campaign(session):
    ingest(
        session,
        {
            "type": "page",
            "anonymousId": "a",
            "messageId": "p2",
            "timestamp": "2026-09-05T00:00:00Z",
            "context": {"campaign": {"source": "newsletter", "medium": "email"}},
        },
        {
            "type": "page",
            "anonymousId": "a",
            "messageId": "p1",
            "timestamp": "2026-09-01T00:00:00Z",
            "context": {"campaign": {"source": "google", "medium": "cpc", "name": "brand"}},
        },
    )
    [person] = people(session)
    assert (person.first_touch_channel, person.first_touch_source) == ("paid_search", "google")
    assert person.last_seen_at == datetime(2026, 9, 5, tzinfo=UTC)


def test_event_count_follows_merges(session):
    ingest(session, {"type": "page", "anonymousId": "a", "messageId": "p1"},
           {"type": "page", "anonymousId": "a", "messageId": "p2"})
    ingest(session, {"type": "identify", "userId": "u", "messageId": "i1", "traits": {"email": "e@x.io"}})
    ingest(session, {"type": "track", "userId": "u", "anonymousId": "a", "event": "x", "messageId": "t1"})
    [person] = people(session)
    session.refresh(person)
    assert person.event_count == 4


def test_merging_two_stored_people_keeps_the_identified_one_and_fills_it_from_the_other(session):
    # An anonymous visitor from a paid campaign, stored first; then a known person on another device.
    ingest(
        session,
        {
            "type": "page",
            "anonymousId": "phone",
            "messageId": "p1",
            "timestamp": "2026-09-01T08:00:00Z",
            "context": {"campaign": {"source": "google", "medium": "cpc", "name": "brand"}},
        },
        {"type": "identify", "anonymousId": "phone", "messageId": "i0", "timestamp": "2026-09-01T08:01:00Z",
         "traits": {"phone": "+1 555 0100", "plan": "trial"}},
    )
    ingest(
        session,
        {"type": "identify", "userId": "u-9", "messageId": "i1", "timestamp": "2026-09-03T09:00:00Z",
         "traits": {"email": "dee@acme.io", "title": "CTO", "plan": "enterprise"}},
    )
    anonymous, known = people(session)
    # The same person, now signed in on the phone: the two stored people become one.
    ingest(
        session,
        {"type": "track", "userId": "u-9", "anonymousId": "phone", "event": "Pricing Viewed", "messageId": "t1",
         "timestamp": "2026-09-05T10:00:00Z"},
    )
    session.expire_all()
    [person] = people(session)
    assert person.id == known.id
    assert (person.email, person.user_id, person.title, person.phone) == ("dee@acme.io", "u-9", "CTO", "+1 555 0100")
    # The earlier first touch is the anonymous visit's; the latest event sets last seen.
    assert (person.first_touch_channel, person.first_touch_source) == ("paid_search", "google")
    assert person.first_seen_at == datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    assert person.last_seen_at == datetime(2026, 9, 5, 10, 0, tzinfo=UTC)
    # Both trait sets, the kept person's winning where they differ.
    assert person.traits["plan"] == "enterprise" and person.traits["phone"] == "+1 555 0100"
    assert person.event_count == 4
    assert session.scalar(select(func.count()).select_from(Event).where(Event.person_id == person.id)) == 4
    identities = set(session.execute(select(Identity.kind, Identity.value).where(Identity.person_id == person.id)))
    assert {("anonymous_id", "phone"), ("user_id", "u-9"), ("email", "dee@acme.io")} <= identities
    assert session.get(Person, anonymous.id) is None
