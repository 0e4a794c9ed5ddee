"""The vectorised form of whole conditions agrees with the live engine, person for person."""

from __future__ import annotations

import polars as pl
import pytest

from leadpact.pact import NotVectorisable, condition_expression, evaluate, flatten, load_pact_file, pact_lists
from leadpact.pact.evaluate import compile_pact
from leadpact.pact.schema import FieldTest, GradeTest

from .conftest import EXAMPLE, at

PEOPLE = [
    ({"title": "PhD Student", "email": "s@gmail.com"}, {"employees": "250", "industry": "Software"}),
    ({"title": "VP Data", "department": "data", "seniority": "vp"}, {"employees": 5001, "industry": "fintech"}),
    ({"department": "Engineering", "seniority": "CXO"}, {"employees": 200, "domain": "rival.example"}),
    ({}, None),
]


def test_fit_criteria_and_personas_match_the_engine() -> None:
    pact = load_pact_file(EXAMPLE)
    rows = [{**flatten("person", p), **flatten("account", a)} for p, a in PEOPLE]
    frame = pl.DataFrame(rows, infer_schema_length=None)
    lists = pact_lists(pact)
    conditions = {c.id: c.when for c in pact.fit.criteria if c.id != "no_buying_role"}
    conditions |= {p.id: p.when for p in pact.personas} | {d.id: d.when for d in pact.disqualify}
    result = frame.select(**{name: condition_expression(c, frame.schema, lists) for name, c in conditions.items()})
    engine = compile_pact(pact)
    for row, (person, account) in zip(result.iter_rows(named=True), PEOPLE, strict=True):
        evaluation = evaluate(engine, person=person, account=account, as_of=at("2024-05-01T00:00:00Z"))
        fit_ids = {m.id for m in evaluation.matched if m.section == "fit"}
        assert row["size"] is ("size" in fit_ids)
        assert row["industry"] is ("industry" in fit_ids)
        first_persona = "data_leader" if row["data_leader"] else ("student" if row["student"] else None)
        assert first_persona == evaluation.persona
        assert row["competitor"] is bool(evaluation.disqualified_by)


def test_derived_email_domain_and_later_sections() -> None:
    pact = load_pact_file(EXAMPLE)
    frame = pl.DataFrame({"person.email": ["A@Gmail.com", "b@acme.example", None, "nope"],
                          "grade": ["A", "C", None, "B"], "fit_score": [70, 20, None, 50]})
    condition = pact.stages.mql.when.all[0]  # fit score at least 50
    freemail = FieldTest(field="person.email_domain", op="in_list", value="freemail")
    out = frame.select(free=condition_expression(freemail, frame.schema, pact_lists(pact)),
                       fit=condition_expression(condition, frame.schema, {}),
                       grade=condition_expression(GradeTest(grade=["A", "B"]), frame.schema, {}))
    assert out["free"].to_list() == [True, False, False, False]
    assert out["fit"].to_list() == [True, False, False, True]
    assert out["grade"].to_list() == [True, False, False, True]


def test_event_tests_are_not_vectorised() -> None:
    pact = load_pact_file(EXAMPLE)
    with pytest.raises(NotVectorisable):
        condition_expression(pact.stages.hot.when, {}, {})
