"""Events as bytes: JSON lines with a sort key, or flattened columnar rows, split into time buckets.

Each chunk's events are sorted, but every chunk spans the whole period, so a global order needs a
merge. Splitting each chunk's output by day bucket lets the writer sort one bucket at a time, so the
largest runs sort in bounded memory. Blobs are Arrow IPC: cheap to pass between processes, to spill to
disk, and to sort in polars.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any, BinaryIO

import orjson
import polars as pl

TARGET_EVENTS_PER_BUCKET = 250_000
EVENT_SCHEMA: dict[str, Any] = {
    "message_id": pl.String, "type": pl.String, "event": pl.String, "anonymous_id": pl.String,
    "user_id": pl.String, "timestamp": pl.String, "properties_json": pl.String, "context_json": pl.String,
    "traits_json": pl.String, "path": pl.String, "asset_id": pl.String, "utm_source": pl.String,
    "utm_medium": pl.String, "utm_campaign": pl.String, "group_id": pl.String, "previous_id": pl.String,
}
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%.3fZ"


class Buckets:
    """Maps an event's day to its time bucket; the bucket count grows with the expected volume."""

    def __init__(self, start: datetime, end: datetime, expected_events: int) -> None:
        days = max(1, (end.date() - start.date()).days + 1)
        self.count = max(1, min(days, -(-expected_events // TARGET_EVENTS_PER_BUCKET)))
        span = -(-days // self.count)
        self.by_day = {(start.date() + timedelta(days=d)).isoformat(): d // span for d in range(days)}
        self.count = max(self.by_day.values()) + 1

    def of(self, timestamp: str) -> int:
        """Return the bucket of an ISO timestamp (days outside the window go to the nearest end)."""
        bucket = self.by_day.get(timestamp[:10])
        if bucket is None:
            bucket = 0 if timestamp[:10] < min(self.by_day) else self.count - 1
        return bucket


def jsonl_buckets(events: list[dict[str, Any]], buckets: Buckets) -> dict[int, bytes]:
    """Return each bucket's events as an Arrow IPC blob of (sort key, JSON line)."""
    if not events:
        return {}
    dumps, of = orjson.dumps, buckets.of
    frame = pl.DataFrame({
        "key": [m["timestamp"] + m["messageId"] for m in events],
        "line": [dumps(m) for m in events],
        "bucket": [of(m["timestamp"]) for m in events],
    }, schema={"key": pl.String, "line": pl.Binary, "bucket": pl.Int32})
    return _ipc_by_bucket(frame)


def write_sorted_jsonl(blobs: list[bytes], handle: BinaryIO) -> None:
    """Write bucket blobs as JSON lines sorted by (timestamp, messageId)."""
    frames = [pl.read_ipc(io.BytesIO(blob)) for blob in blobs]
    lines = pl.concat(frames).sort("key").select(pl.col("line").cast(pl.String))
    # One column, never quoted: the CSV writer emits each JSON document verbatim, one per line, in Rust.
    lines.write_csv(handle, include_header=False, quote_style="never")


def _ipc_by_bucket(frame: pl.DataFrame) -> dict[int, bytes]:
    blobs: dict[int, bytes] = {}
    for (bucket,), part in frame.partition_by("bucket", as_dict=True).items():
        sink = io.BytesIO()
        part.drop("bucket").write_ipc(sink)
        blobs[int(bucket)] = sink.getvalue()
    return blobs


def event_rows(events: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Return the flattened Parquet columns of messages (timestamps still as ISO strings)."""
    columns: dict[str, list[Any]] = {name: [] for name in EVENT_SCHEMA}
    dumps = orjson.dumps
    for m in events:
        properties, context = m.get("properties"), m.get("context") or {}
        campaign = context.get("campaign") or {}
        traits = m.get("traits")
        path = properties.get("path") if properties else None
        if path is None and "page" in context:
            path = context["page"].get("path")
        columns["message_id"].append(m["messageId"])
        columns["type"].append(m["type"])
        columns["event"].append(m.get("event"))
        columns["anonymous_id"].append(m.get("anonymousId"))
        columns["user_id"].append(m.get("userId"))
        columns["timestamp"].append(m["timestamp"])
        columns["properties_json"].append(dumps(properties).decode() if properties is not None else None)
        columns["context_json"].append(dumps(context).decode())
        columns["traits_json"].append(dumps(traits).decode() if traits is not None else None)
        columns["path"].append(path)
        columns["asset_id"].append(properties.get("asset_id") if properties else None)
        columns["utm_source"].append(campaign.get("source"))
        columns["utm_medium"].append(campaign.get("medium"))
        columns["utm_campaign"].append(campaign.get("name"))
        columns["group_id"].append(m.get("groupId"))
        columns["previous_id"].append(m.get("previousId"))
    return columns


def events_frame(events: list[dict[str, Any]]) -> pl.DataFrame:
    """Return messages as an event table with a UTC microsecond `timestamp` column."""
    frame = pl.DataFrame(event_rows(events), schema=EVENT_SCHEMA)
    return frame.with_columns(pl.col("timestamp").str.to_datetime(TIMESTAMP_FORMAT, time_unit="us", time_zone="UTC"))


def parquet_buckets(events: list[dict[str, Any]], buckets: Buckets) -> dict[int, bytes]:
    """Return each bucket's rows as an Arrow IPC blob (cheap to pass between processes)."""
    if not events:
        return {}
    frame = events_frame(events).with_columns(
        pl.Series("bucket", [buckets.of(m["timestamp"]) for m in events], dtype=pl.Int32))
    return _ipc_by_bucket(frame)


def sorted_frame(blobs: list[bytes]) -> pl.DataFrame:
    """Merge bucket blobs into one event table sorted by (timestamp, message_id)."""
    frames = [pl.read_ipc(io.BytesIO(blob)) for blob in blobs]
    return pl.concat(frames).sort(["timestamp", "message_id"])
