"""Account and content catalog imports: upserts, owners, funnel stages and rejected rows."""

from __future__ import annotations

from sqlalchemy import select

from leadpact.imports.service import import_accounts, import_content, import_people
from leadpact.org.models import Rep, User
from leadpact.people.models import Account, ContentAsset, Person
from tests.imports.helpers import NOW, count, reasons, write_csv, write_jsonl


def add_user(session, email, role="rep"):
    user = User(email=email, name=email.split("@")[0], role=role, created_at=NOW)
    session.add(user)
    session.flush()
    if role == "rep":
        session.add(Rep(user_id=user.id, created_at=NOW))
        session.flush()
    return user


def account(session, domain):
    return session.scalar(select(Account).where(Account.domain == domain))


def test_accounts_upsert_by_normalised_domain_with_owner_and_traits(session, tmp_path):
    rep_user = add_user(session, "rita@ourco.com")
    path = write_csv(
        tmp_path / "a.csv",
        ["Website", "Account Name", "Industry", "NumberOfEmployees", "Country", "Account Owner", "Tier"],
        ["https://www.Northwind.io/about", "Northwind", "Software", "250", "US", "Rita@OurCo.com", "A"],
    )
    report = import_accounts(session=session, path=path, now=NOW)
    assert (report.stored, report.rejected) == (1, 0)
    northwind = account(session, "northwind.io")
    assert (northwind.name, northwind.industry, northwind.employees, northwind.country) == (
        "Northwind", "Software", 250, "US")
    assert northwind.owner_rep_id == session.scalar(select(Rep.id).where(Rep.user_id == rep_user.id))
    assert northwind.traits == {"Tier": "A"}

    again = write_csv(tmp_path / "b.csv", ["Domain", "Employees"], ["northwind.io", "300"], ["globex.com", "10"])
    report = import_accounts(session=session, path=again, now=NOW)
    assert (report.stored, report.updated) == (1, 1)
    assert count(session, Account) == 2
    assert account(session, "northwind.io").employees == 300
    assert account(session, "northwind.io").name == "Northwind"


def test_accounts_match_by_name_and_an_account_met_by_name_gains_its_domain(session, tmp_path):
    import_people(session=session, path=write_csv(tmp_path / "p.csv", ["email", "company"],
                                                  ["bob@gmail.com", "Initech LLC"]), now=NOW)
    [by_name] = session.scalars(select(Account)).all()
    assert by_name.domain is None
    path = write_csv(tmp_path / "a.csv", ["name", "domain", "industry"], ["Initech", "initech.com", "Software"],
                     ["Hooli", "", "Search"], ["hooli", "", "Search engines"])
    report = import_accounts(session=session, path=path, now=NOW)
    assert (report.stored, report.updated) == (1, 1)
    assert reasons(report) == {4: "company 'hooli' already appears in row 3"}
    assert session.get(Account, by_name.id).domain == "initech.com"
    assert session.scalar(select(Person.account_id)) == by_name.id
    report = import_accounts(session=session, path=write_csv(tmp_path / "b.csv", ["Company", "Country"],
                                                             ["HOOLI", "US"]), now=NOW)
    assert report.updated == 1 and count(session, Account) == 2


def test_bad_account_rows_are_rejected_and_valid_rows_stored(session, tmp_path):
    add_user(session, "rita@ourco.com")
    add_user(session, "mark@ourco.com", role="marketing")
    path = write_csv(
        tmp_path / "a.csv",
        ["domain", "name", "employees", "owner"],
        ["acme.io", "Acme", "50", "rita@ourco.com"],  # row 2
        ["", "", "5", ""],  # row 3: nothing to match on
        ["globex.com", "Globex", "a few", ""],  # row 4
        ["initech.com", "Initech", "", "nobody@ourco.com"],  # row 5
        ["hooli.com", "Hooli", "", "mark@ourco.com"],  # row 6
        ["www.acme.io", "Acme again", "", ""],  # row 7
        ["not a domain", "Umbrella", "", ""],  # row 8
    )
    report = import_accounts(session=session, path=path, now=NOW)
    assert reasons(report) == {
        3: "needs a domain or a company name to identify the account",
        4: "employees 'a few' is not a number",
        5: "owner nobody@ourco.com is not a leadpact user; add them as a rep first",
        6: "owner mark@ourco.com is a user (marketing) but not a sales rep",
        7: "domain acme.io already appears in row 2",
        8: "domain 'not a domain' is not a web domain",
    }
    assert [a.domain for a in session.scalars(select(Account))] == ["acme.io"]


def test_content_catalog_upsert_and_funnel_stage(session, tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        ["Asset ID", "Title", "URL", "Topic", "Problem", "Funnel Stage", "Owner"],
        ["roi-guide", "ROI guide", "https://acme.io/guides/roi?x=1", "pricing", "justify spend", "Decision", "M"],
        ["blog-1", "Why data", "/blog/why", "data", "", "awareness", ""],
        ["blog-2", "Middle", "/blog/mid", "", "", "middle", ""],
        ["", "No id", "/x", "", "", "", ""],
        ["blog-1", "Twice", "/blog/twice", "", "", "", ""],
        ["new-one", "", "/n", "", "", "", ""],
    )
    report = import_content(session=session, path=path, now=NOW)
    assert reasons(report) == {
        4: "funnel_stage 'middle' is not one of awareness, consideration, decision",
        5: "id is missing",
        6: "id blog-1 already appears in row 3",
        7: "title is missing (needed for the new asset new-one)",
    }
    assert report.stored == 2 and report.ignored_columns == ["Owner"]
    roi = session.get(ContentAsset, "roi-guide")
    assert (roi.title, roi.path, roi.topic, roi.problem, roi.funnel_stage) == (
        "ROI guide", "/guides/roi", "pricing", "justify spend", "decision")
    update = write_jsonl(tmp_path / "c.jsonl", {"id": "roi-guide", "funnel_stage": "consideration"})
    report = import_content(session=session, path=update, now=NOW)
    assert report.updated == 1 and count(session, ContentAsset) == 2
    assert session.get(ContentAsset, "roi-guide").funnel_stage == "consideration"
    assert session.get(ContentAsset, "roi-guide").title == "ROI guide"
