"""The backtest: every person's evaluation under a pact at `as_of`, with group-bys and joins, no per-person loop.

It follows the live engine's order (SPEC §4): personas → fit → grade → engagement → disqualifiers and
stages → status, then readiness. The few people it cannot decide the live engine's way (values that are
objects or lists where a test expects one value; an engagement score a hair from a rounding tie) are
handed to the live evaluator itself, so the result equals it person for person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from leadpact.insights.backtest import conditions, events, fallback, readiness, typed
from leadpact.insights.backtest.history import History
from leadpact.insights.backtest.history import micros as history_micros
from leadpact.insights.backtest.labels import labels
from leadpact.pact import CompiledPact, Pact, as_utc, compile_pact
from leadpact.pact.schema import EngagementCriterion, FieldTest

RESULT_SCHEMA = {"person": pl.Int64, "key": pl.String, "fit_score": pl.Float64, "grade": pl.String,
                 "persona": pl.String, "buying_role": pl.Boolean, "engagement_score": pl.Float64,
                 "status": pl.String, "mql": pl.Boolean, "hot": pl.Boolean, "disqualified_by": pl.List(pl.String),
                 "missing": pl.List(pl.String)}


@dataclass
class Backtest:
    """A pact prepared against one history: what does not depend on as_of is computed once."""

    compiled: CompiledPact
    history: History
    people: pl.DataFrame
    tests: dict[str, events.Branch]
    names: dict[int, str]
    criteria: list[tuple[EngagementCriterion, list[events.Branch]]]
    live: dict[str, int] = field(default_factory=dict)  # how many people went to the live evaluator, and why

    @property
    def pact(self) -> Pact:
        """Return the pact being replayed."""
        return self.compiled.pact

    def at(self, as_of: datetime | str) -> pl.DataFrame:
        """Return one row per person: scores, grade, persona, status, stages, disqualifiers and what is missing."""
        moment = as_utc(as_of)
        frame, doubtful = self.decided(moment)
        return fallback.settle(self, frame, doubtful, moment).select(list(RESULT_SCHEMA))

    def decided(self, as_of: datetime | str) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Return every column computed for every person (with `fit{i}`, `e{i}`/`n{i}` per criterion and `near_tie`)
        and the people the vectorised faces could not decide, before any of them goes to the live evaluator."""
        micros = history_micros(as_utc(as_of))
        frame = events.test_columns(self.people, self.tests, micros)
        frame = self._personas_and_fit(frame)
        frame, doubtful = self._engagement(frame, micros)
        frame = self._stages(frame)
        frame = self._readiness(frame, micros)
        return frame, pl.concat([doubtful, frame.filter(pl.col("unsure")).select("person")]).unique()

    def _personas_and_fit(self, frame: pl.DataFrame) -> pl.DataFrame:
        lists, names = self.compiled.lists, self.names
        persona, role, unsure = pl.lit(None, pl.String), pl.lit(None, pl.Boolean), []
        for item, _ in reversed(self.compiled.personas):  # first match wins: build the chain from the end
            holds, undecidable = conditions.expression(item.when, names, lists)
            persona = pl.when(holds).then(pl.lit(item.id)).otherwise(persona)
            role = pl.when(holds).then(pl.lit(item.buying_role, pl.Boolean)).otherwise(role)
            unsure.append(undecidable)
        frame = frame.with_columns(persona.alias("persona"), role.alias("buying_role"),
                                   pl.any_horizontal([pl.lit(False), *unsure]).alias("unsure"))
        fit = pl.lit(0.0)
        for index, (item, _) in enumerate(self.compiled.fit):  # summed in pact order, as the live engine adds them
            holds, undecidable = conditions.expression(item.when, names, lists)
            # each criterion's outcome is kept (fit{index}): activation lists the criteria that matched
            frame = frame.with_columns(holds.fill_null(False).alias(f"fit{index}"),
                                       (pl.col("unsure") | undecidable).alias("unsure"))
            fit = fit + pl.when(pl.col(f"fit{index}")).then(pl.lit(float(item.points))).otherwise(pl.lit(0.0))
        frame = frame.with_columns(fit.alias("fit_score"))
        grades = self.compiled.grades
        grade = pl.lit(grades[-1][1] if grades else None, pl.String)
        for threshold, name in reversed(grades):
            grade = pl.when(pl.col("fit_score") >= threshold).then(pl.lit(name)).otherwise(grade)
        return frame.with_columns(grade.alias("grade"))

    def _engagement(self, frame: pl.DataFrame, micros: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        half_life = self.compiled.half_life_days
        total, engaged, named = pl.lit(0.0), pl.lit(False), pl.lit(False)
        doubtful = [pl.DataFrame(schema={"person": pl.Int64})]
        for index, (criterion, branches) in enumerate(self.criteria):
            rows, unsure = events.occurrences(branches, micros, criterion.max_per_day)
            term = pl.lit(float(criterion.points)) * pl.lit(0.5).pow(typed.divide(pl.col("age"), half_life))
            sums = rows.with_columns(term.alias("term")).group_by("person").agg(
                pl.col("term").sum().alias(f"e{index}"), pl.len().alias(f"n{index}"),
                pl.col("named").any().alias(f"named{index}"))
            frame = frame.join(sums, on="person", how="left")
            total = total + pl.col(f"e{index}").fill_null(0.0)
            engaged = engaged | pl.col(f"n{index}").is_not_null()
            named = named | pl.col(f"named{index}").fill_null(False)
            doubtful.append(unsure)
        frame = frame.with_columns(total.alias("raw_engagement"), engaged.alias("engaged"), named.alias("named"))
        frame = frame.with_columns(fallback.rounded("raw_engagement"), fallback.near_tie("raw_engagement"))
        return frame, pl.concat(doubtful).unique()

    def _stages(self, frame: pl.DataFrame) -> pl.DataFrame:
        lists, names = self.compiled.lists, self.names
        held, unsure = {}, []
        for name, stage in (("mql", self.pact.stages.mql), ("hot", self.pact.stages.hot)):
            holds, undecidable = (conditions.expression(stage.when, names, lists) if stage is not None
                                  else (pl.lit(False), pl.lit(False)))
            held[name] = holds.alias(name)
            unsure.append(undecidable)
        disqualifiers = []
        for rule in self.pact.disqualify:
            holds, undecidable = conditions.expression(rule.when, names, lists)
            disqualifiers.append((rule.id, holds))
            unsure.append(undecidable)
        disqualified = labels(disqualifiers)
        frame = frame.with_columns(*held.values(), disqualified.alias("disqualified_by"),
                                   pl.any_horizontal([pl.col("unsure"), *unsure]).alias("unsure"))
        status = (pl.when(pl.col("disqualified_by").list.len() > 0).then(pl.lit("disqualified"))
                  .when(pl.col("hot")).then(pl.lit("hot")).when(pl.col("mql")).then(pl.lit("mql"))
                  .when(pl.col("engaged")).then(pl.lit("engaged"))
                  .when(~typed.missing("person.email")).then(pl.lit("known")).otherwise(pl.lit("anonymous")))
        return frame.with_columns(status.alias("status"))

    def _readiness(self, frame: pl.DataFrame, micros: int) -> pl.DataFrame:
        require, first_problem = self.compiled.require, self.history.first_problem
        if "problem" in require and first_problem is not None:
            frame = frame.join(first_problem, on="person", how="left").with_columns(
                (pl.col("problem_ts") <= micros).fill_null(False).alias("problem_ok"))
        else:
            frame = frame.with_columns(pl.lit(False).alias("problem_ok"))
        return frame.with_columns(readiness.missing_items(require, has_persona=pl.col("persona").is_not_null())
                                  .alias("missing"))


def prepare(pact: Pact | CompiledPact, history: History) -> Backtest:
    """Return a pact prepared against a history: facts read, `where`s decided, event assets looked up."""
    compiled = pact if isinstance(pact, CompiledPact) else compile_pact(pact)
    lists = compiled.lists
    if {"engagement", "problem"} & set(compiled.require):
        history.annotate()
    tests = conditions.event_tests(compiled.pact)
    names = {id(test): f"event{position}" for position, test in enumerate(tests)}
    paths = conditions.field_paths(conditions.person_conditions(compiled.pact)) | set(readiness.READINESS_FIELDS)
    people = history.people.join(history.facts.fields(sorted(paths)), on="person", how="left")
    for position, test in enumerate(conditions.regex_tests(compiled.pact)):
        names[id(test)] = name = f"regex{position}"
        people = _by_distinct_value(people, test, name, lists)
    branches = {names[id(test)]: events.branch(history, test, lists) for test in tests}
    criteria = [(c.criterion, [events.branch(history, t, lists) for t in events.criterion_branches(c.criterion)])
                for c in compiled.engagement]
    return Backtest(compiled, history, people, branches, names, criteria)


def _by_distinct_value(people: pl.DataFrame, test: FieldTest, name: str, lists: Any) -> pl.DataFrame:
    """Decide a field test once per distinct value and join it back (a regex runs in Python per value)."""
    columns = list(typed.names(test.field).values())
    holds, undecidable = typed.field_test(test.field, test.op, test.value, lists)
    decided = people.select(columns).unique().with_columns(holds.alias(name), undecidable.alias(f"{name}#u"))
    # joined on the tested columns alone, then set beside the rest: joining the wide frame of a million people
    # would copy every column of it
    found = people.select(columns).join(decided, on=columns, how="left", nulls_equal=True, maintain_order="left")
    return people.hstack(found.select(name, f"{name}#u").get_columns())


def backtest(pact: Pact | CompiledPact, history: History, as_of: datetime | str) -> pl.DataFrame:
    """Return every person's evaluation under `pact` at `as_of` (see RESULT_SCHEMA)."""
    return prepare(pact, history).at(as_of)
