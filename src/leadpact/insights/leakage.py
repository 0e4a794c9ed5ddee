"""The leakage guard: columns that would let a model read the outcome instead of predicting it.

Two tests. Declared: the column is named (or described in a data dictionary) as something recorded after
the handoff — a sales status, an employee's judgement, a score assigned to the lead. Too predictive to
be honest: on its own the column separates won from lost almost perfectly (AUC ≥ 0.9), or one of its
values holds a meaningful share of the rows with a near-pure outcome.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from leadpact.files import SourceError, read_frame
from leadpact.insights.baselines import Folds, single_field_auc
from leadpact.insights.table import LeadTable, TrainingError

# Words in a column's name that say it is written after contact (configurable: `after_handoff_words`).
AFTER_HANDOFF_WORDS = ("tag", "tags", "quality", "status", "stage", "outcome", "disposition", "rejection",
                       "lost reason", "won", "closed", "notable", "assigned", "rating", "asymmetrique")
# Phrases in a data dictionary's description that say the same.
DICTIONARY_HINTS = ("assigned", "employee", "sales team", "current status", "after contact", "intuition",
                    "by the rep", "after the call")
SINGLE_AUC = 0.9
PURITY = 0.97
SHARE = 0.05
MIN_ROWS = 30


@dataclass
class Flag:
    """A column the guard flags, and why."""

    column: str
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """Return the flag as JSON-ready data."""
        return {"column": self.column, "reasons": self.reasons}


def read_dictionary(path: Path) -> dict[str, str]:
    """Return column → description from a data dictionary CSV (first column: name, second: description)."""
    # The imports' reader (any delimiter, BOM, Windows-1252), as for the table it describes.
    try:
        frame = read_frame(path)
    except SourceError as error:
        raise TrainingError(f"data dictionary: {error}") from None
    if frame.width < 2:
        return {}
    names, descriptions = frame.columns[0], frame.columns[1]
    return {str(n).strip().lower(): str(d or "") for n, d in frame.select(names, descriptions).iter_rows()
            if n is not None}


def default_dictionary(csv: Path) -> Path | None:
    """Return the data dictionary lying beside a CSV (`NAME_data_dictionary.csv`), if there is one."""
    candidate = csv.with_name(f"{csv.stem}_data_dictionary.csv")
    return candidate if candidate.exists() else None


def _declared(
    name: str, words: Iterable[str], dictionary: Mapping[str, str], after_handoff: Sequence[str]
) -> list[str]:
    reasons = []
    if name in after_handoff:
        reasons.append("declared as recorded after the handoff")
    lowered = name.lower()
    hits = [w for w in words if re.search(rf"\b{re.escape(w)}\b", lowered)]
    if hits:
        reasons.append(f"its name suggests it is recorded after the handoff ({', '.join(hits)})")
    description = dictionary.get(lowered, "").lower()
    hints = [h for h in DICTIONARY_HINTS if h in description]
    if hints:
        reasons.append(f"the data dictionary describes it as written after contact ({', '.join(hints)})")
    return reasons


def _pure_values(table: LeadTable, index: int) -> list[str]:
    column = table.columns[index]
    reasons = []
    rows = len(table.y)
    for code in np.unique(column.values[~np.isnan(column.values)]):
        chosen = column.values == code
        count = int(chosen.sum())
        if count < max(MIN_ROWS, SHARE * rows):
            continue
        rate = float(table.y[chosen].mean())
        if rate >= PURITY or rate <= 1 - PURITY:
            outcome = "won" if rate >= PURITY else "lost"
            reasons.append(f"value {column.describe(code)!r} covers {count / rows:.0%} of rows and "
                           f"{max(rate, 1 - rate):.1%} of them were {outcome}")
    return reasons


def guard(table: LeadTable, folds: Folds, *, dictionary: Mapping[str, str] | None = None,
          after_handoff: Sequence[str] = (), words: Iterable[str] = AFTER_HANDOFF_WORDS) -> list[Flag]:
    """Return the flagged columns of a table (indicator columns report under their field's name)."""
    flags: dict[str, Flag] = {}
    dictionary = dictionary or {}
    words = tuple(words)
    aucs = dict(single_field_auc(table, folds))
    for index, column in enumerate(table.columns):
        name = column.name.removesuffix(" (missing)")
        reasons = [] if name != column.name else _declared(name, words, dictionary, after_handoff)
        if aucs[column.name] >= SINGLE_AUC:
            reasons.append(f"on its own it separates won from lost with AUC {aucs[column.name]:.3f}")
        if column.categorical:
            reasons += _pure_values(table, index)
        if reasons:
            flags.setdefault(name, Flag(name)).reasons.extend(reasons)
    return list(flags.values())
