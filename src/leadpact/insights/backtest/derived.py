"""Facts the live engine derives rather than reads: `person.email_domain`, and a person's business domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from leadpact.insights.backtest import typed
from leadpact.people.freemail import email_domain, is_freemail


def python_map(values: pl.Series, function: Callable[[Any], Any], dtype: pl.DataType) -> pl.DataFrame:
    """Return `value` → `mapped` for each distinct non-null value, computed in Python once per value."""
    distinct = values.drop_nulls().unique()
    return pl.DataFrame({"value": distinct,
                         "mapped": pl.Series([function(v) for v in distinct.to_list()], dtype=dtype)})


PRINTABLE_ASCII = r"^[\x20-\x7e]*$"  # where Python's strip() and lower() do exactly what Polars' do


def text_map(values: pl.Series, vectorised: Callable[[pl.Expr], pl.Expr], function: Callable[[Any], Any],
             dtype: pl.DataType) -> pl.DataFrame:
    """Return `value` → `mapped` as python_map does, computed by Polars for printable-ASCII texts (nearly all) and
    by `function` in Python for the rest (Unicode whitespace and case rules differ between the two)."""
    distinct = values.drop_nulls().unique()
    plain = distinct.str.contains(PRINTABLE_ASCII)
    fast = distinct.filter(plain).to_frame("value").with_columns(
        vectorised(pl.col("value")).cast(dtype).alias("mapped"))
    return pl.concat([fast, python_map(distinct.filter(~plain), function, dtype)])


def ascii_email_domain(email: pl.Expr) -> pl.Expr:
    """`email_domain` for printable-ASCII texts: the lower-cased part after the last @, or null."""
    domain = email.str.split("@").list.last().str.strip_chars(" ").str.to_lowercase()
    return pl.when(email.str.contains("@", literal=True) & (domain != "")).then(domain)


def with_email_domain(frame: pl.DataFrame, *, wanted: bool = True) -> pl.DataFrame:
    """Add `derived_domain` and `business` (not free-mail) from person.email, and person.email_domain if wanted."""
    # person.email_domain as the live engine reads it: the email_domain trait when truthy, else the email's domain
    email, n = typed.names("person.email"), typed.names("person.email_domain")
    frame = frame.with_columns(pl.when(pl.col(email["k"]) == typed.TEXT).then(pl.col(email["s"])).alias("email_text"))
    domains = text_map(frame["email_text"], ascii_email_domain, email_domain, pl.String())
    frame = frame.join(domains.rename({"value": "email_text", "mapped": "derived_domain"}), on="email_text",
                       how="left")
    free = python_map(frame["derived_domain"], is_freemail, pl.Boolean())
    frame = frame.join(free.rename({"value": "derived_domain", "mapped": "free"}), on="derived_domain", how="left")
    frame = frame.with_columns(pl.when(~pl.col("free")).then(pl.col("derived_domain")).alias("business"))
    if wanted:
        if n["k"] not in frame.columns:
            frame = frame.with_columns(typed.absent("person.email_domain"))
        keep = typed.truthy("person.email_domain")
        domain = pl.col("derived_domain")
        frame = frame.with_columns(
            pl.when(keep).then(pl.col(n["k"])).when(domain.is_not_null()).then(pl.lit(typed.TEXT, pl.Int8))
            .otherwise(pl.lit(typed.NULL, pl.Int8)).alias(n["k"]),
            pl.when(keep).then(pl.col(n["s"])).otherwise(domain).alias(n["s"]),
            *[pl.when(keep).then(pl.col(n[s])).alias(n[s]) for s in "ifb"])
    return frame.drop("email_text", "free")
