"""Property: exported messages resolved by the backtest's vectorised resolver give every person the decisions
`leadpact score` gives them (identity joined over identify/alias, traits merged in time order, accounts from
group calls, business domains, company names or the company trait)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadpact.demo.serialize import events_frame
from leadpact.insights.backtest import prepare, read_export
from leadpact.pact import compile_pact, evaluate, load_pact, resolve
from leadpact.pact.offline import normalise_message

from .strategies import AS_OF
from .test_backtest_property import decisions, live_decisions

PACT = compile_pact(load_pact("""
leadpact: 1
name: Export
personas:
  - {id: leader, label: Leader, buying_role: true, when: {field: person.title, op: matches, value: "(?i)vp|head"}}
fit:
  grades: {A: 20, B: 10, C: 0}
  criteria:
    - {id: size, label: Size, when: {field: account.employees, op: gte, value: 50}, points: 10}
    - {id: software, label: Software, when: {field: account.industry, op: eq, value: software}, points: 5}
    - {id: work, label: Work email, when: {none: [{field: person.email_domain, op: in_list, value: freemail}]},
       points: 5}
    - {id: rival, label: Rival, when: {field: account.domain, op: ends_with, value: rival.io}, points: -30}
    - {id: named, label: Named, when: {field: account.name, op: exists}, points: 1}
engagement:
  half_life_days: 10
  criteria:
    - {id: visit, label: Visit, when: {event: page, where: {field: properties.path, op: starts_with,
                                                          value: /pricing}}, points: 5, max_per_day: 2}
    - {id: demo, label: Demo, when: {event: Demo Requested}, points: 30}
stages:
  mql: {when: {all: [{score: engagement, op: gte, value: 5}, {grade: [A, B]}]}}
  hot: {when: {all: [{grade: [A]}, {event: Demo Requested, within_days: 3}]}}
readiness:
  require: [company, industry, company_size, role, engagement, problem]
"""))
IDS = st.sampled_from(["u1", "u2", "u3", "a1", "a2", "a3", "a4"])
EMAILS = st.sampled_from(["Ann@Acme.com", "ann@acme.com ", "bo@gmail.com", "cy@rival.io", "nope", None])
COMPANY = st.sampled_from([{"name": "Acme", "industry": "software", "employee_count": 80}, {"name": " Rival "},
                           "Acme", {"name": "Gone", "employees": None, "employee_count": 5}, None])
GROUP_TRAITS = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["Acme", "acme", "Rival", "  "]),
    "domain": st.sampled_from(["acme.com", "https://www.rival.io/x", "", "ACME.com:443"]),
    "website": st.sampled_from(["www.acme.com", "gmail.com", "http://rival.io"]),
    "employees": st.sampled_from([10, 500, "600", None]), "industry": st.sampled_from(["software", "retail"])})
TRAITS = st.fixed_dictionaries({}, optional={
    "email": EMAILS, "title": st.sampled_from(["VP Sales", "Head of Data", "Analyst", None]), "company": COMPANY})


@st.composite
def message(draw: st.DrawFn) -> dict[str, Any]:
    """One Segment message in the shape the demo export writes."""
    kind = draw(st.sampled_from(["page", "page", "track", "identify", "group", "alias"]))
    when = AS_OF - timedelta(seconds=draw(st.integers(-86400, 20 * 86400)))
    user, anonymous = draw(st.sampled_from(["u1", "u2", "u3", None])), draw(st.sampled_from(["a1", "a2", "a3", None]))
    raw: dict[str, Any] = {"type": kind, "messageId": draw(st.sampled_from([f"m{i}" for i in range(40)])),
                           "userId": user, "anonymousId": anonymous or ("a4" if user is None else None),
                           "timestamp": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z",
                           "context": {"page": {"path": draw(st.sampled_from(["/pricing", "/blog/x"]))}}}
    if kind == "page":
        raw["properties"] = {"path": draw(st.sampled_from(["/pricing", "/Pricing/a", "/blog/x"]))}
    elif kind == "track":
        raw["event"] = draw(st.sampled_from(["Demo Requested", "Email Opened"]))
        raw["properties"] = {"asset_id": draw(st.sampled_from(["a1", "zz"]))}
    elif kind == "identify":
        raw["userId"] = raw["userId"] or draw(IDS)
        raw["traits"] = draw(TRAITS)
    elif kind == "group":
        raw["userId"] = raw["userId"] or "u1"
        raw["groupId"] = draw(st.sampled_from(["g1", "g2", "acme.com"]))
        raw["traits"] = draw(GROUP_TRAITS)
    else:
        raw["userId"] = raw["userId"] or "u2"
        raw["previousId"] = draw(st.sampled_from(["a1", "a2", "a3"]))
        raw["anonymousId"] = None
    return raw


CATALOG_ROWS = [{"id": "a1", "title": "Guide", "path": "/pricing", "topic": "cost", "problem": "runaway cost",
                 "funnel_stage": "decision", "kind": "page", "gated": False, "url": "x"}]


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(messages=st.lists(message(), min_size=1, max_size=25))
def test_export_resolution_equals_leadpact_score(messages: list[dict[str, Any]], tmp_path: Path) -> None:
    import polars as pl

    events_frame(messages).write_parquet(tmp_path / "events.parquet")
    pl.DataFrame(CATALOG_ROWS).write_parquet(tmp_path / "content.parquet")
    result = prepare(PACT, read_export(tmp_path, as_of=AS_OF)).at(AS_OF)
    catalog = {row["id"]: row for row in CATALOG_ROWS}
    live: dict[str, list[Any]] = defaultdict(list)
    for person in resolve([normalise_message(m) for m in messages], as_of=AS_OF):
        evaluation = evaluate(PACT, person=person.person, account=person.account, events=person.events,
                              content=catalog, as_of=AS_OF)
        live[person.key].append(live_decisions(evaluation))
    ours: dict[str, list[Any]] = defaultdict(list)
    for row in result.iter_rows(named=True):
        ours[row["key"]].append(decisions(row))
    assert {k: sorted(v, key=repr) for k, v in ours.items()} == {k: sorted(v, key=repr) for k, v in live.items()}
