"""A history read from a Parquet export (the demo generator's `events.parquet` and `content.parquet`).

Messages are resolved into people as `leadpact score` resolves them (see identity.py and
export_facts.py), as of the moment given: later messages are unknown then. Text columns are read as
global categoricals, so 20 million events fit in a few gigabytes; context documents and whole rows are
read again only for the few events and people that need them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from leadpact.insights.backtest import derived, identity, typed
from leadpact.insights.backtest.documents import Documents
from leadpact.insights.backtest.export_facts import ExportFacts
from leadpact.insights.backtest.history import History, LiveInputs, as_micros, finish_events, keyed_events, micros
from leadpact.pact import Catalog, as_utc, resolve
from leadpact.pact.offline import normalise_message

IDS = ("user_id", "anonymous_id", "previous_id", "group_id")
CATEGORICAL = ("type", "event", *IDS, "properties_json", "traits_json", "path")


def _scan(path: Path) -> pl.LazyFrame:
    return pl.scan_parquet(path).with_row_index("arrival").with_columns(pl.col("arrival").cast(pl.Int64))


def _rows(path: Path, arrivals: pl.Series, columns: Sequence[str]) -> pl.DataFrame:
    """Read whole columns of a few rows again, by arrival number."""
    wanted = arrivals.cast(pl.Int64).unique()
    return _scan(path).filter(pl.col("arrival").is_in(wanted.implode())).select("arrival", *columns).collect()


def _read(path: Path, as_of: int) -> pl.DataFrame:
    blank_is_null = [pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in (*IDS, "message_id")]
    frame = (_scan(path).with_columns(blank_is_null)
             .with_columns(as_micros(pl.col("timestamp")).alias("ts"))
             .filter(pl.col("ts") <= as_of)
             .select("arrival", "ts", pl.col("message_id").hash().alias("message_hash"),
                     pl.col("message_id").is_not_null().alias("has_message_id"),
                     *[pl.col(c).cast(pl.Categorical) for c in CATEGORICAL],
                     pl.col("context_json").is_null().alias("no_context"))
             .collect(engine="streaming"))
    frame = identity.valid(frame)
    if not frame["ts"].is_sorted():  # exports are written in time order; sort only when one is not
        frame = frame.sort(["ts", "arrival"])
    return _first_of_each_message(path, frame)


def _first_of_each_message(path: Path, frame: pl.DataFrame) -> pl.DataFrame:
    """Drop repeated messageIds (the first in time counts), checking hash collisions against the text."""
    doubtful = frame.filter(pl.col("has_message_id") & pl.col("message_hash").is_duplicated())
    if doubtful.is_empty():
        return frame
    texts = _rows(path, doubtful["arrival"], ["message_id"])
    repeats = (doubtful.select("arrival").join(texts, on="arrival", how="left", maintain_order="left")
               .filter(~pl.col("message_id").is_first_distinct()))
    return frame.join(repeats.select("arrival"), on="arrival", how="anti", maintain_order="left")


def _traits(path: Path, frame: pl.DataFrame) -> tuple[pl.DataFrame, Documents]:
    """Identify and group calls with a code for their traits (context.traits when there are none)."""
    calls = frame.filter(pl.col("type").cast(pl.String).is_in(["identify", "group"]))
    calls = calls.select("arrival", "person", "order", "type", "group_id", pl.col("traits_json").cast(pl.String))
    bare = calls.filter(pl.col("traits_json").is_null())["arrival"]
    if len(bare):
        contexts = _rows(path, bare, ["context_json"]).select(
            "arrival", (pl.lit("\x00") + pl.col("context_json")).alias("from_context"))
        calls = calls.join(contexts, on="arrival", how="left", maintain_order="left").with_columns(
            pl.coalesce("traits_json", "from_context").alias("traits_json")).drop("from_context")
    return Documents.encode(calls, "traits_json", "tdoc", parser=_parse_traits)


def _parse_traits(text: str | None) -> Any:
    """Traits as normalise_message takes them: the call's own, else its context's (marked by a NUL)."""
    if text is not None and text.startswith("\x00"):
        context = typed.parse(text[1:])
        document = context.get("traits") if isinstance(context, dict) else None
    else:
        document = typed.parse(text)
    return dict(document) if isinstance(document, dict) else {}


def read_export(directory: str | Path, *, as_of: datetime | str) -> History:
    """Return the history in an export directory as of a moment: people resolved, facts merged, catalog read."""
    directory = Path(directory)
    events_path = directory / "events.parquet"
    moment = as_utc(as_of)
    frame = _read(events_path, micros(moment))
    frame = frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("order"))
    calls, traits = _traits(events_path, frame.with_columns(pl.lit(0, pl.Int64).alias("person")))
    email = typed.names("@email")
    emails = traits.table("tdoc", fields={"@email": ["email"]}).select(
        "tdoc", pl.when(pl.col(email["k"]) == typed.TEXT).then(pl.col(email["s"])).alias("text"))
    nodes = derived.python_map(emails["text"], identity.email_node, pl.String())
    emails = emails.join(nodes.rename({"value": "text", "mapped": "email"}), on="text", how="left")
    email_of = calls.filter(pl.col("type").cast(pl.String) == "identify").join(emails, on="tdoc", how="left")
    frame = frame.join(email_of.select("arrival", pl.col("email").cast(pl.Categorical)), on="arrival", how="left",
                       maintain_order="left")
    frame = frame.with_columns(identity.resolve_people(frame))
    calls = calls.drop("person").join(frame.select("arrival", "person"), on="arrival", how="left")
    firsts = frame.group_by("person").agg(
        pl.col("user_id").drop_nulls().first().cast(pl.String).alias("userId"),
        pl.col("anonymous_id").drop_nulls().first().cast(pl.String).alias("anonymousId"))
    people = firsts.select("person").sort("person")
    frame = frame.rename({"properties_json": "props_text", "path": "hint"})
    events, properties = _properties(keyed_events(frame.with_columns(pl.col("event").cast(pl.String),
                                                                     pl.col("type").cast(pl.String))))

    def live(wanted: Sequence[int]) -> dict[int, LiveInputs]:
        return _live_inputs(events_path, frame, wanted, moment)

    identifies = calls.filter(pl.col("type").cast(pl.String) == "identify").select("person", "order", "tdoc")
    groups = calls.filter(pl.col("type").cast(pl.String) == "group").select(
        "person", "order", pl.col("group_id").cast(pl.String), "tdoc")
    facts = ExportFacts(people=people, identifies=identifies.sort("order"), groups=groups.sort("order"),
                        firsts=firsts, traits=traits, live=live)
    people = people.join(_keys(facts), on="person", how="left")
    return History(events=finish_events(events, ordered=True), properties=properties,
                   load_contexts=lambda arrivals: _rows(events_path, arrivals, ["context_json"]),
                   people=people, facts=facts, catalog=read_catalog(directory), path_hint=True)


def _properties(frame: pl.DataFrame) -> tuple[pl.DataFrame, Documents]:
    codes = frame.select(pl.col("props_text").to_physical().alias("props"))
    distinct = frame.select("props_text").unique().drop_nulls()
    documents = Documents(distinct["props_text"].to_physical(), distinct["props_text"].cast(pl.String))
    order = documents.codes.arg_sort()
    documents = Documents(documents.codes.gather(order), documents.texts.gather(order))
    return frame.with_columns(codes["props"]).drop("props_text"), documents


def _keys(facts: ExportFacts) -> pl.DataFrame:
    """The person's key as `leadpact score` prints it: email, else userId, else anonymousId."""
    paths = ["person.email", "person.userId", "person.anonymousId"]
    values = facts.fields(paths)
    key: Any = pl.lit(None, pl.String)
    for path in reversed(paths):
        n = typed.names(path)
        text = pl.when(pl.col(n["k"]) == typed.TEXT).then(pl.col(n["s"]))
        key = pl.when(typed.truthy(path)).then(text).otherwise(key)
    return values.select("person", key.alias("key"))


def read_catalog(directory: Path) -> Catalog:
    """Return the content catalog of an export (content.parquet), or an empty one."""
    path = directory / "content.parquet"
    if not path.exists():
        return Catalog({})
    return Catalog({str(row["id"]): row for row in pl.read_parquet(path).to_dicts()})


def export_messages(rows: pl.DataFrame) -> list[dict[str, Any]]:
    """Return exported rows as the Segment messages they came from (for the live evaluator)."""
    messages = []
    for row in rows.iter_rows(named=True):
        raw: dict[str, Any] = {"type": row["type"], "messageId": row["message_id"], "userId": row["user_id"],
                               "anonymousId": row["anonymous_id"], "timestamp": row["timestamp"].isoformat()}
        for key, column in (("event", "event"), ("groupId", "group_id"), ("previousId", "previous_id")):
            if row.get(column) is not None:
                raw[key] = row[column]
        for key, column in (("properties", "properties_json"), ("context", "context_json"),
                            ("traits", "traits_json")):
            if row.get(column) is not None:
                raw[key] = orjson.loads(row[column])
        messages.append(raw)
    return messages


def _live_inputs(path: Path, frame: pl.DataFrame, wanted: Sequence[int], moment: datetime) -> dict[int, LiveInputs]:
    """Resolve a few people from their own messages (and every group call, which may name their account)."""
    chosen = frame.filter(pl.col("person").is_in(list(wanted)) | (pl.col("type").cast(pl.String) == "group"))
    columns = ["message_id", "type", "event", "anonymous_id", "user_id", "timestamp", "properties_json",
               "context_json", "traits_json", "group_id", "previous_id"]
    rows = _rows(path, chosen["arrival"], columns)
    rows = chosen.select("arrival", "person").join(rows, on="arrival", how="left", maintain_order="left")
    messages = [normalise_message(raw) for raw in export_messages(rows)]
    owner = {id(message): person for message, person in zip(messages, rows["person"].to_list(), strict=True)}
    found: dict[int, LiveInputs] = {}
    wanted_set = set(wanted)
    for resolved in resolve(messages, as_of=moment):
        person = owner.get(id(resolved.events[0])) if resolved.events else None
        if person in wanted_set:
            found[person] = LiveInputs(resolved.person, resolved.account, resolved.events)
    return found
