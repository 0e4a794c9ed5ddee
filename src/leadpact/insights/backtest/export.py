"""A history read from a Parquet export (the demo generator's `events.parquet` and `content.parquet`).

Messages are resolved into people as `leadpact score` resolves them (see identity.py and
export_facts.py), as of the moment given: later messages are unknown then. Text columns are read as
global categoricals, so 20 million events fit in a few gigabytes; context documents and whole rows are
read again only for the few events and people that need them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from leadpact.insights.backtest import derived, identity, typed
from leadpact.insights.backtest.documents import Documents
from leadpact.insights.backtest.export_facts import ExportFacts, identify_fields
from leadpact.insights.backtest.history import History, LiveInputs, as_micros, finish_events, keyed_events, micros
from leadpact.pact import Catalog, as_utc, resolve
from leadpact.pact.offline import normalise_message

IDS = ("user_id", "anonymous_id", "previous_id", "group_id")
CATEGORICAL = ("type", "event", *IDS, "properties_json", "path")
KEY_PATHS = ("person.email", "person.userId", "person.anonymousId")  # a person's key: the first of these set


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
             .select("arrival", "ts", pl.when(pl.col("message_id").is_not_null()).then(pl.col("message_id").hash())
                     .alias("message_hash"),
                     *[pl.col(c).cast(pl.Categorical) for c in CATEGORICAL])
             .collect(engine="streaming"))
    accepted = identity.accepted(frame)
    if not accepted.all():  # a copy of twenty million rows only when some must go
        frame = frame.filter(accepted)
    if not frame["ts"].is_sorted():  # exports are written in time order; sort only when one is not
        frame = frame.sort(["ts", "arrival"])
    frame = _first_of_each_message(path, frame).drop("message_hash")
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("order"))


def _first_of_each_message(path: Path, frame: pl.DataFrame) -> pl.DataFrame:
    """Drop repeated messageIds (the first in time counts), checking hash collisions against the text."""
    hashes = frame["message_hash"].drop_nulls()
    if hashes.n_unique() == len(hashes):  # the usual case, and a distinct count is cheap
        return frame
    # repeated hashes found by sorting: `is_duplicated` over twenty million rows takes several times longer
    ordered = hashes.sort()
    repeated = ordered.filter(ordered == ordered.shift(1)).unique()
    doubtful = frame.filter(pl.col("message_hash").is_in(repeated.implode()))
    texts = _rows(path, doubtful["arrival"], ["message_id"])
    repeats = (doubtful.select("arrival").join(texts, on="arrival", how="left", maintain_order="left")
               .filter(pl.col("message_id").is_not_null() & ~pl.col("message_id").is_first_distinct()))
    return frame.join(repeats.select("arrival"), on="arrival", how="anti", maintain_order="left")


def _traits(path: Path, frame: pl.DataFrame) -> tuple[pl.DataFrame, Documents, pl.DataFrame, Documents]:
    """Identify calls and group calls, each with a code for its traits (context.traits when there are none)."""
    calls = frame.filter(pl.col("type").is_in(["identify", "group"]))
    calls = calls.select("arrival", "order", pl.col("type").cast(pl.String), "user_id", "anonymous_id", "group_id")
    # traits only for these calls, read again: twenty million mostly-null texts need not pass through memory
    texts = (_scan(path).filter(pl.col("type").is_in(["identify", "group"])).select("arrival", "traits_json")
             .collect(engine="streaming"))
    calls = calls.join(texts, on="arrival", how="left", maintain_order="left")
    bare = calls.filter(pl.col("traits_json").is_null())["arrival"]
    if len(bare):
        contexts = _rows(path, bare, ["context_json"]).select(
            "arrival", (pl.lit("\x00") + pl.col("context_json")).alias("from_context"))
        calls = calls.join(contexts, on="arrival", how="left", maintain_order="left").with_columns(
            pl.coalesce("traits_json", "from_context").alias("traits_json")).drop("from_context")
    identifies, identify_traits = Documents.encode(calls.filter(pl.col("type") == "identify"), "traits_json", "tdoc",
                                                   parser=_parse_traits)
    groups, group_traits = Documents.encode(calls.filter(pl.col("type") == "group"), "traits_json", "tdoc",
                                            parser=_parse_traits)
    return identifies, identify_traits, groups, group_traits


def _parse_traits(text: str | None) -> Any:
    """Traits as normalise_message takes them: the call's own, else its context's (marked by a NUL)."""
    if text is not None and text.startswith("\x00"):
        context = typed.parse(text[1:])
        document = context.get("traits") if isinstance(context, dict) else None
    else:
        document = typed.parse(text)
    return dict(document) if isinstance(document, dict) else {}


def _people(frame: pl.DataFrame, identifies: pl.DataFrame) -> pl.Series:
    """Each message's person, from the identity graph of identify and alias calls."""

    def code(column: pl.Series) -> pl.Series:
        """Return an id column's global categorical codes."""
        return column.to_physical().cast(pl.Int64)

    aliases = frame.filter(pl.col("type") == "alias")
    own = frame.select(pl.coalesce(pl.col("user_id").to_physical(), pl.col("anonymous_id").to_physical())
                       .cast(pl.Int64)).to_series()
    identify_own = identifies.select(pl.coalesce(pl.col("user_id").to_physical(), pl.col("anonymous_id")
                                                 .to_physical()).cast(pl.Int64)).to_series()
    pairs = [(code(identifies["user_id"]), code(identifies["anonymous_id"])),
             (identify_own, code(identifies["email"])),
             (code(aliases["previous_id"]), code(aliases["user_id"]))]
    return identity.resolve_people(own, pairs)


def read_export(directory: str | Path, *, as_of: datetime | str, fields: Sequence[str] = ()) -> History:
    """Return the history in an export directory as of a moment: people resolved, facts merged, catalog read."""
    # `fields` (person.X / account.X) are read with the keys in one pass over the traits; others when asked for
    directory = Path(directory)
    events_path = directory / "events.parquet"
    moment = as_utc(as_of)
    frame = _read(events_path, micros(moment))
    identifies, identify_traits, groups, group_traits = _traits(events_path, frame)
    frame = frame.drop("group_id")
    # every identify field the facts will read, with the email the identities need: one pass over the traits
    identify_traits.prefetch({"@email": ["email"], **identify_fields([*KEY_PATHS, *fields])})
    email = typed.names("@email")
    emails = identify_traits.table("tdoc", fields={"@email": ["email"]}).select(
        "tdoc", pl.when(pl.col(email["k"]) == typed.TEXT).then(pl.col(email["s"])).alias("text"))
    nodes = derived.text_map(emails["text"], identity.ascii_email_node, identity.email_node, pl.String())
    emails = emails.join(nodes.rename({"value": "text", "mapped": "email"}), on="text", how="left")
    identifies = identifies.join(emails.select("tdoc", pl.col("email").cast(pl.Categorical)), on="tdoc",
                                 how="left", maintain_order="left")
    frame = frame.with_columns(_people(frame, identifies)).drop("previous_id")
    owners = frame.select("arrival", "person")
    identifies = identifies.join(owners, on="arrival", how="left", maintain_order="left")
    groups = groups.join(owners, on="arrival", how="left", maintain_order="left")
    firsts = frame.group_by("person").agg(
        pl.col("user_id").drop_nulls().first().cast(pl.String).alias("userId"),
        pl.col("anonymous_id").drop_nulls().first().cast(pl.String).alias("anonymousId"))
    frame = frame.drop("user_id", "anonymous_id")
    # the events are finished in a second thread while this one merges the facts: neither reads the other's
    # data, both are mostly Polars work that lets go of the GIL, and the longest steps of each use one core
    with ThreadPoolExecutor(max_workers=1) as pool:
        finishing = pool.submit(_events, frame)
        del frame
        history: list[History] = []
        people, facts = _facts(firsts, identifies, groups, identify_traits, group_traits, fields,
                               live=lambda wanted: _live_inputs(events_path, history[0].all_events(), wanted, moment))
        properties, events = finishing.result()
    history.append(History(events=events, properties=properties, people=people, facts=facts,
                           load_contexts=lambda arrivals: _rows(events_path, arrivals, ["context_json"]),
                           catalog=read_catalog(directory), path_hint=True))
    return history[0]


def _events(frame: pl.DataFrame) -> tuple[Documents, pl.DataFrame]:
    """The distinct properties documents and the events frame every step reads (see finish_events)."""
    properties = _properties(frame)
    events = keyed_events(frame.select("person", "order", "arrival", "ts", "type", "event",
                                       pl.col("properties_json").to_physical().alias("props"),
                                       pl.col("path").alias("hint")))
    return properties, finish_events(events.drop("type", "event"), ordered=True)


def _facts(firsts: pl.DataFrame, identifies: pl.DataFrame, groups: pl.DataFrame, identify_traits: Documents,
           group_traits: Documents, fields: Sequence[str],
           live: Callable[[Sequence[int]], dict[int, LiveInputs]]) -> tuple[pl.DataFrame, ExportFacts]:
    """People with their keys, and their facts (the fields asked for already merged)."""
    people = firsts.select("person").sort("person")
    facts = ExportFacts(people=people, identifies=identifies.select("person", "order", "tdoc").sort("order"),
                        groups=groups.select("person", "order", pl.col("group_id").cast(pl.String), "tdoc")
                        .sort("order"), firsts=firsts, identify_traits=identify_traits, group_traits=group_traits,
                        live=live)
    return people.join(_keys(facts, fields), on="person", how="left"), facts


def _properties(frame: pl.DataFrame) -> Documents:
    distinct = frame.select("properties_json").unique().drop_nulls()["properties_json"]
    codes = distinct.to_physical()
    order = codes.arg_sort()
    return Documents(codes.gather(order), distinct.cast(pl.String).gather(order))


def _keys(facts: ExportFacts, fields: Sequence[str]) -> pl.DataFrame:
    """The person's key as `leadpact score` prints it: email, else userId, else anonymousId."""
    values = facts.fields([*KEY_PATHS, *fields])
    key: Any = pl.lit(None, pl.String)
    for path in reversed(KEY_PATHS):
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


def _live_inputs(path: Path, events: pl.DataFrame, wanted: Sequence[int], moment: datetime) -> dict[int, LiveInputs]:
    """Resolve a few people from their own messages (and every group call, which may name their account)."""
    chosen = events.filter(pl.col("person").is_in(list(wanted)) | (pl.col("key").cast(pl.String) == "group"))
    chosen = chosen.sort("order")
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
