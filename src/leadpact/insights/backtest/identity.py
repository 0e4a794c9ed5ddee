"""Identity resolution of exported messages, vectorised, with the rules of `leadpact.pact.offline.resolve`.

identify joins its userId, anonymousId and (stripped, lower-cased) email; alias joins previousId with
userId; every other message only names its own id. People are the connected components of that graph
(scipy's connected_components over integer node codes), and each message belongs to the component of
its userId, else its anonymousId. Ids arrive as global categorical codes, so the same text in any id
column is the same node; emails are kept in a namespace of their own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

TYPES = ("track", "page", "screen", "identify", "group", "alias")
EMAIL_PREFIX = "\x00email:"  # never the start of an id, so an email never names the same node as an id


def valid(frame: pl.DataFrame) -> pl.DataFrame:
    """Keep the messages `normalise_message` accepts (a known type, an id, the fields each type needs)."""
    kind = pl.col("type").cast(pl.String)
    return frame.filter(
        kind.is_in(list(TYPES)) & pl.col("ts").is_not_null()
        & (pl.col("user_id").is_not_null() | pl.col("anonymous_id").is_not_null())
        & ((kind != "track") | pl.col("event").is_not_null())
        & ((kind != "group") | pl.col("group_id").is_not_null())
        & ((kind != "alias") | (pl.col("previous_id").is_not_null() & pl.col("user_id").is_not_null())))


def email_node(email: Any) -> str | None:
    """Return the identity an identify's email trait names, as resolve keys it (or None)."""
    return EMAIL_PREFIX + email.strip().lower() if isinstance(email, str) and "@" in email else None


def resolve_people(frame: pl.DataFrame) -> pl.Series:
    """Return each message's person: the component of its own id. Needs `type` and categorical id columns
    user_id, anonymous_id, previous_id and `email` (the identify's email node, or null)."""
    kind = pl.col("type").cast(pl.String)

    def code(column: str, when: pl.Expr | None = None) -> pl.Expr:
        value = pl.col(column).to_physical().cast(pl.Int64)
        return value if when is None else pl.when(when).then(value)

    codes = frame.select(
        pl.coalesce(code("user_id"), code("anonymous_id")).alias("own"),
        code("user_id", kind == "identify").alias("user"),
        code("anonymous_id", kind == "identify").alias("anonymous"),
        code("email").alias("email"),
        code("previous_id", kind == "alias").alias("previous"),
        code("user_id", kind == "alias").alias("aliased"))
    # Categorical codes are global: compact them to 0..n-1 for the graph.
    distinct = pl.concat([codes[c] for c in codes.columns]).drop_nulls().unique().sort()
    dense = codes.select(pl.col(c).map_batches(lambda s: _dense(s, distinct), return_dtype=pl.Int64)
                         for c in codes.columns)
    left, right = [], []
    for a, b in (("user", "anonymous"), ("own", "email"), ("previous", "aliased")):
        pair = dense.select(a, b).drop_nulls()
        left.append(pair[a].to_numpy())
        right.append(pair[b].to_numpy())
    rows, columns = np.concatenate(left), np.concatenate(right)
    size = len(distinct)
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, columns)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    own = dense["own"].to_numpy()
    return pl.Series("person", labels[own], dtype=pl.Int64)


def _dense(series: pl.Series, distinct: pl.Series) -> pl.Series:
    positions = pl.Series(distinct.search_sorted(series.fill_null(0)), dtype=pl.Int64)
    return pl.select(pl.when(series.is_null()).then(None).otherwise(positions)).to_series().alias(series.name)
