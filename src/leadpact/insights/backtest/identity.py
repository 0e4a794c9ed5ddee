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


def accepted(frame: pl.DataFrame) -> pl.Series:
    """Return which messages `normalise_message` accepts (a known type, an id, the fields each type needs)."""
    kind = pl.col("type").cast(pl.String)
    return frame.select(
        kind.is_in(list(TYPES)) & pl.col("ts").is_not_null()
        & (pl.col("user_id").is_not_null() | pl.col("anonymous_id").is_not_null())
        & ((kind != "track") | pl.col("event").is_not_null())
        & ((kind != "group") | pl.col("group_id").is_not_null())
        & ((kind != "alias") | (pl.col("previous_id").is_not_null() & pl.col("user_id").is_not_null()))
    ).to_series().fill_null(False)


def email_node(email: Any) -> str | None:
    """Return the identity an identify's email trait names, as resolve keys it (or None)."""
    return EMAIL_PREFIX + email.strip().lower() if isinstance(email, str) and "@" in email else None


def ascii_email_node(email: pl.Expr) -> pl.Expr:
    """`email_node` for printable-ASCII texts (see derived.text_map)."""
    return pl.when(email.str.contains("@", literal=True)).then(
        pl.lit(EMAIL_PREFIX) + email.str.strip_chars(" ").str.to_lowercase())


def resolve_people(own: pl.Series, pairs: list[tuple[pl.Series, pl.Series]]) -> pl.Series:
    """Return each message's person: the component of its own id (`own`) in the graph of `pairs` of node codes."""
    # codes are global categorical codes: already small integers, so they index the graph directly
    edges = [pl.DataFrame({"a": a.cast(pl.Int64), "b": b.cast(pl.Int64)}).drop_nulls() for a, b in pairs]
    rows = np.concatenate([e["a"].to_numpy() for e in edges]) if edges else np.array([], dtype=np.int64)
    columns = np.concatenate([e["b"].to_numpy() for e in edges]) if edges else np.array([], dtype=np.int64)
    own_codes = own.cast(pl.Int64).to_numpy()
    size = int(max(own_codes.max(initial=-1), rows.max(initial=-1), columns.max(initial=-1))) + 1
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, columns)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    return pl.Series("person", labels[own_codes], dtype=pl.Int64)
