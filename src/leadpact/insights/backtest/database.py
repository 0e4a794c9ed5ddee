"""A history read from the leadpact database: events already attributed to people, facts as the live engine
builds them (`leadpact.engine.inputs`: traits with the cleaned columns on top; account traits with the
firmographic columns and owner on top), and the content catalog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from sqlalchemy import Text, cast, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadpact.engine.inputs import ACCOUNT_COLUMNS, PERSON_COLUMNS, CatalogCache, account_facts, load_histories
from leadpact.engine.inputs import person_facts as live_person_facts
from leadpact.ingest.models import Event
from leadpact.insights.backtest import derived, typed
from leadpact.insights.backtest.documents import Documents
from leadpact.insights.backtest.history import History, LiveInputs, as_micros, finish_events, keyed_events
from leadpact.people.models import Account, Person

_PERSON_SCHEMA = {"person": pl.Int64, "account": pl.Int64, "traits": pl.String, "company_name": pl.String,
                  **{column: pl.String for column in PERSON_COLUMNS}}
_ACCOUNT_SCHEMA = {"account": pl.Int64, "traits": pl.String, "domain": pl.String, "name": pl.String,
                   "industry": pl.String, "employees": pl.Int64, "country": pl.String, "owner": pl.Int64}


def _fields(paths: Sequence[str]) -> dict[str, list[str]]:
    """The trait reads of each path, plus the whole dotted name on its own (to know whether a trait holds it)."""
    fields = {path: path.split(".")[1:] for path in paths}
    fields.update({f"{path}@whole": [".".join(path.split(".")[1:])] for path in paths if path.count(".") > 1})
    return fields


def _frame(engine: Engine, statement: Any, schema: dict[str, Any]) -> pl.DataFrame:
    with engine.connect() as connection:
        rows = connection.execute(statement).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row")


class DatabaseFacts:
    """People's and accounts' facts from the people and accounts tables."""

    def __init__(self, engine: Engine, people: pl.DataFrame, accounts: pl.DataFrame) -> None:
        self.engine = engine
        self.people, self.person_docs = Documents.encode(people, "traits", "tdoc")
        self.accounts, self.account_docs = Documents.encode(accounts, "traits", "adoc")

    def fields(self, paths: Sequence[str]) -> pl.DataFrame:
        """Return person and the typed columns of each person/account path."""
        person_paths = sorted({p for p in paths if p.startswith("person.")} | {"person.email"})
        account_paths = sorted({p for p in paths if p.startswith("account.")})
        frame = self.people
        traits = self.person_docs.table("tdoc", fields=_fields(person_paths))
        frame = frame.join(traits, on="tdoc", how="left")
        for path in person_paths:
            frame = frame.with_columns(self._overlay(path, PERSON_COLUMNS, {"company": "company_name"}))
        if "person.email_domain" in person_paths:
            frame = derived.with_email_domain(frame).drop("derived_domain", "business")
        accounts = self.accounts.join(
            self.account_docs.table("adoc", fields=_fields(account_paths)), on="adoc",
            how="left")
        for path in account_paths:
            accounts = accounts.with_columns(self._overlay(path, (*ACCOUNT_COLUMNS, "owner"), {}))
        columns = [c for c in accounts.columns if "#" in c and "@whole" not in c]
        frame = frame.join(accounts.select("account", *columns), on="account", how="left")
        frame = frame.with_columns(pl.col(c).fill_null(typed.ABSENT) for c in frame.columns if c.endswith("#k"))
        return frame.select("person", *[c for c in frame.columns if "#" in c and "@whole" not in c])

    @staticmethod
    def _overlay(path: str, columns: Sequence[str], fallbacks: dict[str, str]) -> list[pl.Expr]:
        """A stored column that is set wins over the trait of the same name (a dotted trait name wins first)."""
        keys = path.split(".")[1:]
        n = typed.names(path)
        if len(keys) > 1:
            if keys[0] not in columns:
                return []
            # walking into a stored column's text finds nothing, unless a trait holds the whole dotted name
            whole = pl.col(typed.names(f"{path}@whole")["k"]) != typed.ABSENT
            return [pl.when(pl.col(keys[0]).is_not_null() & ~whole).then(pl.lit(typed.ABSENT, pl.Int8))
                    .otherwise(pl.col(n["k"])).alias(n["k"])]
        key = keys[0]
        if key in fallbacks:  # company_name stands in for a missing company trait
            source = pl.col(fallbacks[key])
            use = (pl.col(n["k"]) == typed.ABSENT) & source.is_not_null() & (source != "")
            source_type: pl.DataType = pl.String()
        elif key in columns:
            source, use = pl.col(key), pl.col(key).is_not_null()
            source_type = pl.Int64() if key in ("employees", "owner") else pl.String()
        else:
            return []
        stored = typed.from_column(source, source_type, path)
        return [pl.when(use).then(expr).otherwise(pl.col(expr.meta.output_name())).alias(expr.meta.output_name())
                for expr in stored]

    def live_inputs(self, people: Sequence[int]) -> dict[int, LiveInputs]:
        """Return the live engine's own inputs for a few people, built by `leadpact.engine.inputs`."""
        with Session(self.engine) as session:
            persons = session.scalars(select(Person).where(Person.id.in_(list(people)))).all()
            ids = {p.account_id for p in persons if p.account_id is not None}
            accounts = {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))} if ids else {}
            histories = load_histories(session, [p.id for p in persons])
            return {p.id: LiveInputs(live_person_facts(p), account_facts(accounts.get(p.account_id or 0)),
                                     histories.get(p.id, [])) for p in persons}


def read_database(engine: Engine) -> History:
    """Return the stored history: every attributed event, every person with their facts, the catalog."""
    events = _frame(engine, select(Event.id, Event.person_id, Event.type, Event.event, Event.timestamp,
                                   cast(Event.properties, Text)).where(Event.person_id.is_not(None)),
                    {"arrival": pl.Int64, "person": pl.Int64, "type": pl.String, "event": pl.String,
                     "timestamp": pl.Datetime("us", "UTC"), "properties": pl.String})
    events = events.with_columns(as_micros(pl.col("timestamp")).alias("ts"), pl.lit(None, pl.String).alias("hint"))
    events, properties = Documents.encode(keyed_events(events), "properties", "props")
    people = _frame(engine, select(Person.id, Person.account_id, cast(Person.traits, Text), Person.company_name,
                                   *[getattr(Person, c) for c in PERSON_COLUMNS]), _PERSON_SCHEMA)
    accounts = _frame(engine, select(Account.id, cast(Account.traits, Text), *[getattr(Account, c) for c in
                                                                               ACCOUNT_COLUMNS], Account.owner_rep_id),
                      _ACCOUNT_SCHEMA)
    keys = people.select("person", pl.coalesce("email", "user_id", pl.col("person").cast(pl.String)).alias("key"))
    with Session(engine) as session:
        catalog = CatalogCache().get(session)

    def contexts(arrivals: pl.Series) -> pl.DataFrame:
        """Return the stored context documents of some events."""
        ids = arrivals.to_list()
        parts = [_frame(engine, select(Event.id, cast(Event.context, Text)).where(Event.id.in_(ids[i:i + 5000])),
                        {"arrival": pl.Int64, "context_json": pl.String}) for i in range(0, len(ids), 5000)]
        return pl.concat(parts) if parts else pl.DataFrame(schema={"arrival": pl.Int64, "context_json": pl.String})

    return History(events=finish_events(events), properties=properties, load_contexts=contexts,
                   people=keys.sort("person"), facts=DatabaseFacts(engine, people, accounts), catalog=catalog)
