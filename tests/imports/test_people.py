"""People imports: upsert by email, identities, account matching as in the live path, and rejected rows."""

from __future__ import annotations

from sqlalchemy import select

from leadpact.imports.service import import_people
from leadpact.ingest.service import parse_batch, store_messages
from leadpact.people.models import Account, Identity, Person
from tests.imports.helpers import NOW, count, reasons, write_csv, write_jsonl, write_xlsx

HEADER = ["Email", "First Name", "Last Name", "Job Title", "Company", "Employees", "Lead Source"]


def person(session, email):
    return session.scalar(select(Person).where(Person.email == email))


def run(session, path, **options):
    report = import_people(session=session, path=path, now=NOW, **options)
    session.flush()
    return report


def test_csv_people_are_stored_with_identity_traits_and_account_by_domain(session, tmp_path):
    path = write_csv(
        tmp_path / "people.csv",
        HEADER,
        ["Mia@Northwind.io", "Mia", "Lopez", "Director of Data", "Northwind", "250", "webinar"],
        ["raj@northwind.io", "Raj", "Patel", "Analyst", "", "", ""],
    )
    report = run(session, path)
    assert (report.read, report.stored, report.updated, report.rejected) == (2, 2, 0, 0)
    mia = person(session, "mia@northwind.io")
    assert (mia.first_name, mia.last_name, mia.title, mia.company_name) == ("Mia", "Lopez", "Director of Data",
                                                                            "Northwind")
    assert mia.traits["Lead Source"] == "webinar"
    assert mia.identified_at == NOW
    account = session.get(Account, mia.account_id)
    assert (account.domain, account.name, account.employees) == ("northwind.io", "Northwind", 250)
    assert person(session, "raj@northwind.io").account_id == account.id
    identities = session.execute(select(Identity.kind, Identity.value, Identity.person_id)).all()
    assert set(identities) == {("email", "mia@northwind.io", mia.id),
                               ("email", "raj@northwind.io", person(session, "raj@northwind.io").id)}


def test_freemail_people_match_an_account_by_company_name(session, tmp_path):
    path = write_csv(tmp_path / "people.csv", ["email", "company"],
                     ["ann@acme.io", "Acme"], ["bob@gmail.com", "ACME Inc."], ["cy@gmail.com", ""])
    run(session, path)
    acme = session.scalar(select(Account).where(Account.domain == "acme.io"))
    assert person(session, "bob@gmail.com").account_id == acme.id
    assert person(session, "cy@gmail.com").account_id is None
    assert session.scalar(select(Account).where(Account.domain == "gmail.com")) is None


def test_reimport_updates_and_never_duplicates(session, tmp_path):
    first = write_csv(tmp_path / "a.csv", ["email", "title"], ["a@acme.io", "Analyst"], ["b@acme.io", "CTO"])
    run(session, first)
    second = write_csv(tmp_path / "b.csv", ["email", "title"], ["A@ACME.IO", "Head of Data"], ["c@acme.io", "VP"])
    report = run(session, second)
    assert (report.stored, report.updated) == (1, 1)
    assert count(session, Person) == 3 and count(session, Identity) == 3 and count(session, Account) == 1
    assert person(session, "a@acme.io").title == "Head of Data"


def test_import_updates_the_person_the_live_path_created(session, tmp_path):
    messages, _ = parse_batch([{"type": "identify", "userId": "u-9", "messageId": "i1",
                                "traits": {"email": "zoe@acme.io"}}], received_at=NOW)
    store_messages(session, messages, now=NOW)
    path = write_csv(tmp_path / "p.csv", ["email", "userId", "title"], ["zoe@acme.io", "u-9", "CFO"])
    report = run(session, path)
    assert (report.stored, report.updated) == (0, 1)
    [zoe] = session.scalars(select(Person)).all()
    assert (zoe.user_id, zoe.title) == ("u-9", "CFO")


def test_user_id_column_links_a_user_id_identity(session, tmp_path):
    run(session, write_csv(tmp_path / "p.csv", ["Email", "User ID"], ["a@acme.io", "u-1"]))
    a = person(session, "a@acme.io")
    assert a.user_id == "u-1"
    assert session.scalar(select(Identity.person_id).where(Identity.kind == "user_id", Identity.value == "u-1")) == a.id


def test_bad_rows_are_rejected_with_reasons_and_valid_rows_stored(session, tmp_path):
    path = write_csv(
        tmp_path / "p.csv",
        ["Email", "Employees", "User ID"],
        ["good@acme.io", "10", ""],  # row 2
        ["", "10", ""],  # row 3: missing email
        ["not-an-email", "10", ""],  # row 4: invalid email
        ["big@acme.io", "lots", ""],  # row 5: employees not a number
        ["Good@Acme.io", "12", ""],  # row 6: duplicate of row 2
        ["other@acme.io", "1,200", "u-1"],  # row 7
        ["third@acme.io", "", "u-1"],  # row 8: user id of row 7
    )
    report = run(session, path)
    assert reasons(report) == {
        3: "email is missing",
        4: "email 'not-an-email' is not a valid email address",
        5: "employees 'lots' is not a number",
        6: "email good@acme.io already appears in row 2",
        8: "user id u-1 already appears in row 7",
    }
    assert (report.read, report.stored, report.rejected) == (7, 2, 5)
    assert {p.email for p in session.scalars(select(Person))} == {"good@acme.io", "other@acme.io"}
    assert session.scalar(select(Account.employees)) == 10  # the first person's company filled the gap
    assert report.rejections[0].values == {"Email": None, "Employees": "10", "User ID": None}


def test_a_rejected_first_occurrence_does_not_block_a_valid_second(session, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["email", "employees"], ["a@acme.io", "many"], ["a@acme.io", "5"])
    report = run(session, path)
    assert reasons(report) == {2: "employees 'many' is not a number"}
    assert report.stored == 1


def test_conflicting_user_id_in_the_database_is_rejected(session, tmp_path):
    run(session, write_csv(tmp_path / "a.csv", ["email", "user_id"], ["a@acme.io", "u-1"]))
    report = run(session, write_csv(tmp_path / "b.csv", ["email", "user_id"],
                                    ["b@acme.io", "u-1"], ["a@acme.io", "u-2"]))
    assert reasons(report) == {2: "user id u-1 already belongs to another person (a@acme.io)",
                               3: "a@acme.io already has user id u-1, not u-2"}


def test_too_long_values_are_rejected_rather_than_truncated(session, tmp_path):
    report = run(session, write_csv(tmp_path / "p.csv", ["email", "first_name"], ["a@acme.io", "x" * 121]))
    assert reasons(report) == {2: "first_name is 121 characters long; at most 120 fit"}


def test_xlsx_people_with_explicit_mapping(session, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", ["Work Address", "Org", "Staff", "Phone"],
                      ["a@acme.io", "Acme", 40, 5551234], ["b@gmail.com", "Acme", 40.0, None], sheet="Leads")
    report = run(session, path, sheet="Leads", columns={"Work Address": "email", "Org": "company",
                                                        "Staff": "employees"})
    assert (report.stored, report.rejected) == (2, 0)
    a = person(session, "a@acme.io")
    assert a.phone == "5551234"
    assert session.get(Account, a.account_id).employees == 40
    assert person(session, "b@gmail.com").account_id == a.account_id


def test_jsonl_people_and_invalid_line(session, tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", {"email": "a@acme.io", "firstName": "Ann", "plan": "pro"},
                       '{"email": "b@acme.io",', {"e-mail": "c@acme.io"})
    report = run(session, path)
    assert report.stored == 2
    assert reasons(report)[2].startswith("line 2 is not valid JSON")
    a = person(session, "a@acme.io")
    assert a.first_name == "Ann" and a.traits["plan"] == "pro"


def test_dry_run_reports_the_same_counts_and_stores_nothing(session, tmp_path):
    path = write_csv(tmp_path / "p.csv", ["email", "company"], ["a@acme.io", "Acme"], ["bad", "X"],
                     ["b@gmail.com", "Acme"])
    dry = run(session, path)
    session.rollback()
    assert count(session, Person) == 0 and count(session, Account) == 0 and count(session, Identity) == 0
    real = run(session, path)
    assert dry.to_dict() == real.to_dict()
    assert count(session, Person) == 2
