"""Per row, the list of labels whose condition holds (the disqualifiers that apply, the readiness items missing).

Built as a bit pattern per row and the list of each pattern looked up: building lists of text row by row
(`concat_list`) costs about ten times as much over a million people.
"""

from __future__ import annotations

import polars as pl

MASKED = 8  # up to this many labels a lookup table (2^8 lists); past it, lists are built row by row


def labels(conditions: list[tuple[str, pl.Expr]]) -> pl.Expr:
    """Return the labels whose condition holds (a null condition does not), in the order given."""
    if not conditions:
        return pl.lit([], dtype=pl.List(pl.String))
    if len(conditions) > MASKED:
        return pl.concat_list([pl.when(held).then(pl.lit(label)) for label, held in conditions]).list.drop_nulls()
    pattern = pl.sum_horizontal([pl.when(held).then(1 << bit).otherwise(0)
                                 for bit, (_, held) in enumerate(conditions)])
    lists = pl.Series([[label for bit, (label, _) in enumerate(conditions) if number >> bit & 1]
                       for number in range(1 << len(conditions))], dtype=pl.List(pl.String))
    return pl.lit(lists).gather(pattern)
