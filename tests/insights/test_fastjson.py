"""Property: fields decoded by Polars (with the guards that send doubtful documents to Python) equal the fields
Python reads from the same documents, value for value and type for type."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadpact.insights.backtest import documents, fastjson
from leadpact.insights.backtest.documents import Documents, walk

KEYS = st.sampled_from(["email", "title", "company", "name", "n"])
SCALARS = (st.none() | st.booleans() | st.integers(-10, 10) | st.integers(2**62, 2**64) | st.floats(-1e3, 1e3)
           | st.sampled_from(["", " x ", "Acme", "é", "5", "true", 'say "hi"', "tab\there", "a\\u0041"]))
VALUES = st.recursive(SCALARS, lambda inner: st.dictionaries(KEYS, inner, max_size=3) | st.lists(inner, max_size=2),
                      max_leaves=4)


def _document(pairs: list[tuple[str, Any]], spaced: bool) -> str:
    """A JSON object written by hand, so it may repeat a key or spell one with the whole dotted name."""
    separator = ", " if spaced else ","
    colon = " : " if spaced else ":"
    return "{" + separator.join(json.dumps(k) + colon + json.dumps(v) for k, v in pairs) + "}"


DOCUMENT = st.builds(_document, st.lists(st.tuples(KEYS | st.just("company.name"), VALUES), max_size=4),
                     st.booleans()) | st.sampled_from(["[]", "null", '"x"', "{}", ' {"email": "a@b.c"} '])
FIELDS = {"@email": ["email"], "@title": ["title"], "@company": ["company"], "person.company.name": ["company", "name"],
          "company@name": walk("company", "name"), "@n": ["n"]}


@pytest.mark.parametrize("sample", [10**9, 2])  # types inferred from every document, or from a sample of two
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(texts=st.lists(DOCUMENT, min_size=1, max_size=40))
def test_polars_decoding_equals_python(texts: list[str], sample: int, monkeypatch: pytest.MonkeyPatch) -> None:
    series = pl.Series(texts).unique(maintain_order=True)
    codes = pl.Series(range(len(series)), dtype=pl.UInt32)
    monkeypatch.setattr(documents, "FAST_FROM", 10**9)
    python = Documents(codes, series).table("code", fields=FIELDS)
    monkeypatch.setattr(documents, "FAST_FROM", 0)
    monkeypatch.setattr(fastjson, "SAMPLE", sample)
    monkeypatch.setattr(documents, "DECODE_SLICE", 7)  # several slices, each with its own inferred types
    fast = Documents(codes, series).table("code", fields=FIELDS)
    assert fast.to_dicts() == python.to_dicts()
