"""Files: JSONL and Parquet round-trip; big runs stream in chunks, spill, and still come out sorted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from leadpact.demo import DemoCompany, generate_company, read_events, write_company
from leadpact.demo import chunks as chunks_module
from leadpact.demo import serialize as serialize_module
from leadpact.demo import writers as writers_module
from leadpact.demo.output import RECORD_SCHEMAS

EVENT_COLUMNS = ["message_id", "type", "event", "anonymous_id", "user_id", "timestamp", "properties_json",
                 "context_json", "traits_json", "path", "asset_id", "utm_source", "utm_medium", "utm_campaign",
                 "group_id", "previous_id"]


def test_jsonl_round_trip(small_company: DemoCompany, small_events: list[dict[str, Any]], tmp_path: Path) -> None:
    summary = write_company(small_company, tmp_path, fmt="jsonl")
    assert read_events(tmp_path / "events.jsonl") == small_events
    assert summary.events == len(small_events) and summary.people == len(small_company.people)
    people = [json.loads(line) for line in (tmp_path / "people.jsonl").read_text().splitlines()]
    assert people == [p.to_dict() for p in small_company.people]
    truth = [json.loads(line) for line in (tmp_path / "truth" / "people.jsonl").read_text().splitlines()]
    assert {row["person_id"] for row in truth} == {p.id for p in small_company.people}
    for name in RECORD_SCHEMAS:
        assert (tmp_path / f"{name}.jsonl").exists(), name
    assert not any("truth" in path.name for path in tmp_path.glob("*.jsonl"))


def test_parquet_round_trip(small_company: DemoCompany, small_events: list[dict[str, Any]],
                            tmp_path: Path) -> None:
    write_company(small_company, tmp_path, fmt="parquet")
    frame = pl.read_parquet(tmp_path / "events.parquet")
    assert frame.columns == EVENT_COLUMNS
    assert frame.schema["timestamp"] == pl.Datetime("us", "UTC")
    assert frame.height == len(small_events)
    assert frame["message_id"].to_list() == [m["messageId"] for m in small_events]
    for row, message in zip(frame.iter_rows(named=True), small_events, strict=True):
        assert row["timestamp"].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" == message["timestamp"]
        assert orjson.loads(row["context_json"]) == message["context"]
        if message["type"] in ("page", "track"):
            assert orjson.loads(row["properties_json"]) == message["properties"]
            assert row["asset_id"] == message["properties"].get("asset_id")
        if message["type"] in ("identify", "group"):
            assert orjson.loads(row["traits_json"]) == message["traits"]
        campaign = message["context"].get("campaign") or {}
        assert (row["utm_source"], row["utm_medium"], row["utm_campaign"]) == (
            campaign.get("source"), campaign.get("medium"), campaign.get("name"))
        assert row["group_id"] == message.get("groupId")
    accounts = pl.read_parquet(tmp_path / "accounts.parquet")
    assert accounts.to_dicts() == [a.to_dict() for a in small_company.accounts]
    truth = pl.read_parquet(tmp_path / "truth" / "accounts.parquet")
    assert truth.schema["timing_start"] == pl.Datetime("us", "UTC") and truth.height == len(small_company.accounts)


def test_streaming_run_spills_and_stays_sorted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small chunks, many time buckets and a tiny memory budget: the big-run path, at small scale."""
    monkeypatch.setattr(chunks_module, "PEOPLE_PER_CHUNK", 150)
    monkeypatch.setattr(chunks_module, "ACCOUNTS_PER_CHUNK", 40)
    monkeypatch.setattr(serialize_module, "TARGET_EVENTS_PER_BUCKET", 300)
    monkeypatch.setattr(writers_module, "MEMORY_BUDGET", 200_000)
    company = generate_company(seed=4, accounts=200, people=900)
    assert len(company.plans) == 6
    expected = list(company.iter_events())
    for fmt in ("jsonl", "parquet"):
        summary = write_company(company, tmp_path / fmt, fmt=fmt, workers=1)
        assert summary.events == len(expected)
        assert not list((tmp_path / fmt).glob(".spill-*"))  # the spill directory is cleaned up
    assert read_events(tmp_path / "jsonl" / "events.jsonl") == expected
    frame = pl.read_parquet(tmp_path / "parquet" / "events.parquet")
    assert frame["message_id"].to_list() == [m["messageId"] for m in expected]
    assert frame["timestamp"].is_sorted()


def test_worker_processes_write_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunks_module, "PEOPLE_PER_CHUNK", 200)  # plans are made here and sent to workers
    company = generate_company(seed=9, accounts=100, people=400)
    assert len(company.plans) == 2
    write_company(company, tmp_path / "one", fmt="jsonl", workers=1)
    write_company(company, tmp_path / "two", fmt="jsonl", workers=2)
    for name in ("events", "people", "accounts", "truth/people"):
        assert (tmp_path / "one" / f"{name}.jsonl").read_bytes() == (tmp_path / "two" / f"{name}.jsonl").read_bytes()


def test_empty_company_writes_valid_files(tmp_path: Path) -> None:
    company = generate_company(seed=2, accounts=1, people=0, visitors=0)
    summary = write_company(company, tmp_path, fmt="parquet")
    assert summary.events == 0
    assert pl.read_parquet(tmp_path / "events.parquet").columns == EVENT_COLUMNS
    assert pl.read_parquet(tmp_path / "people.parquet").height == 0
