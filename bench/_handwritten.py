"""The reference for bench/backtest.py: the starting pact's MQL set written by hand as one Polars query, with
everything known in advance (its personas, criteria, points, windows and the export's column types)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

FREEMAIL = "freemail"
STUDENT = r"(?i)\b(student|intern|phd|graduate|open to work|seeking|looking for|aspiring)\b"
LEADER = r"(?i)\b(head of|director|vp|chief)\b.*\b(data|analytics|engineering|it|platform)\b|\b(cto|cio)\b"
TECH, BUSINESS = ["data", "engineering", "it"], ["marketing", "sales", "finance", "operations", "hr"]
# (event key, path prefixes or None, points, max per day)
ENGAGEMENT = [("content downloaded", None, 15, None), ("webinar registered", None, 10, None),
              ("webinar attended", None, 20, None), ("email clicked", None, 5, 2), ("email opened", None, 2, 1),
              ("page", ("/blog", "/guides", "/webinars"), 3, 3), ("page", None, 1, 5), ("page", ("/pricing",), 5, 1),
              ("trial started", None, 20, None), ("demo requested", None, 30, None),
              ("pricing requested", None, 30, None)]


def _text(path: str) -> pl.Expr:
    return pl.col(f"{path}#s")


def _people(history: Any, lists: Any) -> pl.LazyFrame:
    facts = history.facts.fields(["person.title", "person.department", "person.seniority", "person.email",
                                  "account.employees", "account.domain"]).lazy()
    title, department = _text("person.title"), _text("person.department").str.to_lowercase()
    seniority = _text("person.seniority").str.to_lowercase()
    has_title = title.str.strip_chars(" \t\n\r\x0b\x0c") != ""
    persona = (pl.when(title.str.contains(STUDENT)).then(pl.lit("student"))
               .when(department.is_in(TECH) & seniority.is_in(["director", "vp", "cxo"])).then(pl.lit("leader"))
               .when(title.str.contains(LEADER)).then(pl.lit("leader"))
               .when(department.is_in(TECH)).then(pl.lit("practitioner"))
               .when(title.str.contains("(?i)consultant")).then(pl.lit("consultant"))
               .when(department.is_in(BUSINESS)).then(pl.lit("business")))
    domain = _text("person.email").str.split("@").list.last().str.strip_chars().str.to_lowercase()
    free = domain.is_in(sorted(lists[FREEMAIL])) & _text("person.email").str.contains("@", literal=True)
    fit = (pl.when(pl.col("account.employees#i") >= 50).then(10).otherwise(0) + pl.when(~free).then(5).otherwise(0)
           + pl.when(has_title.fill_null(False)).then(5).otherwise(0)
           + pl.when(pl.col("persona").is_in(["leader", "practitioner", "consultant"])).then(5).otherwise(0))
    return (facts.with_columns(persona.alias("persona"))
            .with_columns(fit.alias("fit"))
            .with_columns((pl.col("fit") >= 5).alias("graded"),
                          _text("account.domain").str.to_lowercase().is_in(sorted(lists["competitors"]))
                          .fill_null(False).alias("competitor"))
            .select("person", "graded", "competitor"))


def _rank_in_day() -> pl.Expr:
    """Each row's position among its person's rows of the same UTC day (0 for the first), on sorted rows."""
    # a window (`rank().over(["person", "day"])`) says the same but is several times slower at this size
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    first = (pl.col("person") != pl.col("person").shift(1)) | (pl.col("day") != pl.col("day").shift(1))
    return row - pl.when(first.fill_null(True)).then(row).forward_fill()


def mql_people(history: Any, compiled: Any, as_of: datetime) -> pl.DataFrame:
    """Return the people whose status is mql at `as_of`, by a query written for the starting pact alone."""
    micros = int(as_of.timestamp() * 1_000_000)
    events = (history.all_events().lazy().filter(pl.col("ts") <= micros)
              .select("person", "order", "day", "key", "hint",
                      ((micros - pl.col("ts")) / 86_400_000_000).alias("age")))
    parts = []
    for key, prefixes, points, most in ENGAGEMENT:
        rows = events.filter(pl.col("key") == key)
        if prefixes:
            path = pl.col("hint").cast(pl.String).str.to_lowercase()
            rows = rows.filter(pl.any_horizontal([path.str.starts_with(p) for p in prefixes]))
        if most:  # the first `most` of the person's events of the day: rows come sorted by person and order
            rows = rows.filter(_rank_in_day() < most)
        parts.append(rows.select("person", (points * 0.5 ** (pl.col("age") / 30)).alias("points")))
    engagement = (pl.concat(parts).group_by("person").agg(pl.col("points").sum().round(2).alias("engagement")))
    hot = (events.filter(pl.col("key").is_in(["demo requested", "pricing requested"]) & (pl.col("age") <= 7))
           .select("person").unique().with_columns(pl.lit(True).alias("hot_signal")))
    people = (_people(history, compiled.lists).join(engagement, on="person", how="left")
              .join(hot, on="person", how="left"))
    mql = pl.col("graded") & (pl.col("engagement").fill_null(0) >= 40)
    return (people.filter(mql & ~(pl.col("graded") & pl.col("hot_signal").fill_null(False)) & ~pl.col("competitor"))
            .select("person").collect())
