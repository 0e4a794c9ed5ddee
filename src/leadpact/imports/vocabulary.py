"""Folding the spellings of one word together: an export that writes "Sofware" twice beside "Software" forty
times, or "software" beside the "Software" already on the accounts, means Software."""

from __future__ import annotations

from collections import Counter
from difflib import SequenceMatcher

# How alike two spellings must be to be the same word: "Sofware"/"Software" 0.93, "Fintech"/"Fin-tech" 0.93;
# "Retail"/"Rental" (0.67) and "Health"/"Healthcare" (0.75) stay apart.
ALIKE = 0.85
# Industries as the CRMs list them (Salesforce's standard Industry picklist, and the words HubSpot's and B2B
# exports use most): a spelling close to one of these means it, however rare the right one is in the file.
STANDARD_INDUSTRIES = (
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
    "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental", "Finance",
    "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance", "Machinery", "Manufacturing",
    "Media", "Not For Profit", "Recreation", "Retail", "Shipping", "Technology", "Telecommunications",
    "Transportation", "Utilities", "Software", "Fintech", "Financial Services", "Information Technology",
    "Logistics", "Pharmaceuticals", "Real Estate", "Marketing and Advertising", "E-commerce", "Automotive",
)
STANDARD = 10**6  # a standard spelling outweighs any count in a file


def fold_spellings(values: Counter[str], known: Counter[str] | None = None,
                   standard: tuple[str, ...] = ()) -> dict[str, str]:
    """Return {spelling in the file: the spelling it means} for every value that is a variant — in letter case, or
    by a slip of a letter or two — of a weightier spelling: a standard one, one already stored (`known`, with how
    often), or a commoner one in the same file."""
    weight: Counter[str] = Counter()
    preferred: dict[str, str] = {}
    for value in standard:
        weight[value.lower()] += STANDARD
        preferred.setdefault(value.lower(), value)
    for source in (known or Counter(), values):
        for value, count in source.most_common():
            weight[value.lower()] += count
            preferred.setdefault(value.lower(), value)
    target: dict[str, str] = {}
    for form in preferred:
        best, best_ratio = form, 0.0
        for other in preferred:
            if other == form or weight[other] <= weight[form]:
                continue
            ratio = SequenceMatcher(None, form, other).ratio()
            if ratio >= ALIKE and ratio > best_ratio:
                best, best_ratio = other, ratio
        target[form] = best
    folded = {}
    for value in values:
        form = target[value.lower()]
        # A chain ("sofwtare" → "sofware" → "software") ends at the word nothing outweighs.
        while target[form] != form:
            form = target[form]
        if preferred[form] != value:
            folded[value] = preferred[form]
    return folded
