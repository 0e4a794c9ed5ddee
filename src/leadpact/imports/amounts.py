"""Amounts as exports write them: `$12,500.00`, `12.500,00 €`, `1 250`, judged a column at a time so that `12.500`
means twelve thousand five hundred in a column that writes decimal commas, and twelve and a half elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from leadpact.imports.report import RowRejected

SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
# A decimal comma: one comma followed by one or two digits at the end (`1,5`, `12.500,00`).
DECIMAL_COMMA = re.compile(r",\d{1,2}$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def decimal_comma(values: Iterable[tuple[int, Any]]) -> bool:
    """Whether a column writes decimal commas: some value ends in a comma and one or two digits."""
    return any(isinstance(value, str) and DECIMAL_COMMA.search(_bare(value)) for _, value in values)


def amount(value: Any, *, comma_decimal: bool) -> tuple[float | None, str | None]:
    """Return (the amount, the currency its symbol names, if any); reject the row when it is not an amount."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        raise RowRejected(f"amount {value!r} is not a number")
    if isinstance(value, int | float):
        number, currency = float(value), None
    else:
        text = str(value).strip()
        currency = next((code for symbol, code in SYMBOLS.items() if symbol in text), None)
        bare = _bare(text)
        bare = bare.replace(".", "").replace(",", ".") if comma_decimal else bare.replace(",", "")
        if not NUMBER.match(bare):
            raise RowRejected(f"amount {text!r} is not a number")
        number = float(bare)
    if number < 0 or number != number or number in (float("inf"),):
        raise RowRejected(f"amount {value!r} must be a number of at least 0")
    return number, currency


def _bare(text: str) -> str:
    """The digits, separators and sign of an amount, without currency and spaces (thin, no-break or plain)."""
    text = text.strip()
    for symbol in SYMBOLS:
        text = text.replace(symbol, "")
    text = re.sub(r"\b[A-Z]{3}\b", "", text)  # a trailing or leading ISO code: 1200 USD
    return re.sub(r"[\s\u00a0\u202f']", "", text)
