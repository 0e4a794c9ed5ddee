"""Event imports: rows become Segment messages stored through the live ingest path, in chunks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from leadpact.imports.service import import_events, import_people
from leadpact.ingest.models import Event
from leadpact.people.models import Account, Person
from tests.imports.helpers import NOW, count, reasons, write_csv, write_jsonl, write_xlsx


def run(session, path, **options):
    report = import_events(session=session, path=path, now=NOW, **options)
    session.flush()
    return report


def test_jsonl_lines_are_messages_and_bad_lines_are_rejected(session, tmp_path):
    path = write_jsonl(
        tmp_path / "e.jsonl",
        {"type": "identify", "userId": "u-1", "messageId": "i1", "traits": {"email": "mia@northwind.io"}},
        {"type": "track", "userId": "u-1", "event": "Demo Requested", "messageId": "t1",
         "timestamp": "2026-09-30T10:00:00Z", "context": {"campaign": {"source": "google", "medium": "cpc"}}},
        "{broken",
        {"type": "track", "anonymousId": "a-1", "messageId": "t2"},
        {"type": "shout", "userId": "u-1"},
        {"type": "page", "properties": {"path": "/pricing"}},
        {"type": "page", "anonymousId": "a-2", "messageId": "p1", "properties": {"path": "/pricing"}},
    )
    report = run(session, path)
    assert (report.read, report.stored, report.rejected) == (7, 3, 4)
    assert reasons(report) == {
        3: "line 3 is not valid JSON: Expecting property name enclosed in double quotes at column 2",
        4: "track requires event: the name of the event",
        5: "type must be one of track, identify, page, screen, group, alias; got 'shout'",
        6: "either userId or anonymousId is required",
    }
    mia = session.scalar(select(Person).where(Person.email == "mia@northwind.io"))
    demo = session.scalar(select(Event).where(Event.message_id == "t1"))
    assert demo.person_id == mia.id and demo.timestamp == datetime(2026, 9, 30, 10, tzinfo=UTC)
    assert mia.account_id == session.scalar(select(Account.id).where(Account.domain == "northwind.io"))


def test_reimport_stores_each_message_once(session, tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl",
                       {"type": "track", "anonymousId": "a", "event": "Visited", "messageId": "m1"},
                       {"type": "track", "anonymousId": "a", "event": "Visited"},
                       {"type": "track", "anonymousId": "a", "event": "Visited", "messageId": "m1"})
    first = run(session, path)
    assert (first.stored, first.duplicates) == (2, 1)
    second = run(session, path)
    assert (second.read, second.stored, second.duplicates, second.rejected) == (3, 0, 3, 0)
    assert count(session, Event) == 2


def test_csv_rows_become_messages_with_properties_and_campaign(session, tmp_path):
    path = write_csv(
        tmp_path / "e.csv",
        ["Type", "Event", "User ID", "Anonymous ID", "Timestamp", "properties.plan", "utm_source", "Seconds"],
        ["track", "Trial Started", "u-7", "", "2026-09-29T08:00:00Z", "pro", "linkedin", "30"],
        ["track", "", "", "a-9", "2026-09-29 09:00:00", "", "", ""],
        ["", "", "u-7", "", "2026-09-29 09:00:00", "", "", "12"],
    )
    report = run(session, path)
    assert (report.stored, report.rejected) == (2, 1)
    assert reasons(report) == {3: "track requires event: the name of the event"}
    identify = session.scalar(select(Event).where(Event.type == "identify"))
    assert identify.traits == {"Seconds": "12"} and identify.timestamp == datetime(2026, 9, 29, 9, tzinfo=UTC)
    trial = session.scalar(select(Event).where(Event.event == "Trial Started"))
    assert trial.properties == {"plan": "pro", "Seconds": "30"}
    assert trial.utm_source == "linkedin" and trial.user_id == "u-7"
    assert trial.message_id.startswith("import-")


def test_csv_rows_known_only_by_email_join_that_person(session, tmp_path):
    import_people(session=session, path=write_csv(tmp_path / "p.csv", ["email", "title"], ["ann@acme.io", "CTO"]),
                  now=NOW)
    path = write_csv(tmp_path / "webinar.csv", ["Email", "Event", "Date", "Webinar"],
                     ["Ann@Acme.io", "Webinar Attended", "2026-09-20T16:00:00Z", "Data 101"],
                     ["new@globex.com", "Webinar Attended", "2026-09-20T16:00:00Z", "Data 101"],
                     ["not-an-email", "Webinar Attended", "2026-09-20T16:00:00Z", "Data 101"])
    report = run(session, path)
    assert (report.stored, report.rejected) == (2, 1)
    assert reasons(report) == {4: "email 'not-an-email' is not a valid email address"}
    ann = session.scalar(select(Person).where(Person.email == "ann@acme.io"))
    new = session.scalar(select(Person).where(Person.email == "new@globex.com"))
    events = {e.person_id: e for e in session.scalars(select(Event))}
    assert set(events) == {ann.id, new.id}
    assert events[ann.id].properties == {"Webinar": "Data 101"}
    assert new.account_id == session.scalar(select(Account.id).where(Account.domain == "globex.com"))
    assert count(session, Person) == 2
    assert run(session, path).duplicates == 2 and count(session, Event) == 2


def test_identify_rows_from_a_spreadsheet(session, tmp_path):
    path = write_xlsx(tmp_path / "e.xlsx", ["type", "userId", "email", "title", "timestamp"],
                      ["identify", 1042.0, "zoe@acme.io", "CFO", datetime(2026, 9, 1, 9, 30)])
    report = run(session, path)
    assert (report.stored, report.rejected) == (1, 0)
    zoe = session.scalar(select(Person).where(Person.email == "zoe@acme.io"))
    assert (zoe.user_id, zoe.title) == ("1042", "CFO")
    assert session.scalar(select(Event.timestamp)) == datetime(2026, 9, 1, 9, 30, tzinfo=UTC)


def test_large_files_go_in_chunks_and_rejections_keep_their_row_numbers(session, tmp_path):
    rows = [["track", "Visited", f"a-{n}", f"m-{n}"] for n in range(1200)]
    rows[700][0] = "bogus"
    rows[1100][2] = ""
    path = write_csv(tmp_path / "e.csv", ["type", "event", "anonymousId", "messageId"], *rows)
    seen = []
    report = run(session, path, progress=lambda done, total: seen.append((done, total)))
    assert (report.read, report.stored, report.rejected) == (1200, 1198, 2)
    assert set(reasons(report)) == {702, 1102}
    assert count(session, Event) == 1198
    assert seen[-1] == (1200, 1200)


def test_explicit_mapping_renames_jsonl_keys(session, tmp_path):
    path = write_jsonl(tmp_path / "e.jsonl", {"type": "track", "visitor": "v-1", "event": "Visited", "ts":
                                              "2026-09-01T00:00:00Z"})
    report = run(session, path, columns={"visitor": "anonymousId", "ts": "timestamp"})
    assert report.stored == 1
    event = session.scalar(select(Event))
    assert event.anonymous_id == "v-1" and event.timestamp == datetime(2026, 9, 1, tzinfo=UTC)
