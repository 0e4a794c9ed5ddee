"""Checks on single values of an imported row; each failure raises RowRejected saying what is wrong."""

from __future__ import annotations

import re
from typing import Any

from leadpact.imports.report import RowRejected

# Deliberately loose: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def email(value: Any, *, field: str = "email") -> str:
    """Return a lower-cased email address, or reject the row when it is missing or malformed."""
    if value is None or str(value).strip() == "":
        raise RowRejected(f"{field} is missing")
    text = str(value).strip().lower()
    if not EMAIL.match(text) or len(text) > 320:
        raise RowRejected(f"{field} {str(value)!r} is not a valid email address")
    return text


def whole_number(field: str, value: Any) -> int | None:
    """Return a count such as employees as an int ("1,200" and 250.0 accepted), or reject the row."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise RowRejected(f"{field} {value!r} is not a number")
    if isinstance(value, int):
        return value
    try:
        number = float(str(value).replace(",", "").replace("_", "").strip())
    except ValueError:
        raise RowRejected(f"{field} {value!r} is not a number") from None
    if number != int(number) or number < 0:
        raise RowRejected(f"{field} {value!r} is not a whole number of at least 0")
    return int(number)


def text(field: str, value: Any, limit: int) -> str | None:
    """Return a value as stripped text, or reject the row when it is longer than its column holds."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise RowRejected(f"{field} must be text, not a JSON {'object' if isinstance(value, dict) else 'array'}")
    result = str(value).strip()
    if len(result) > limit:
        raise RowRejected(f"{field} is {len(result)} characters long; at most {limit} fit")
    return result or None


def domain(value: Any, *, field: str = "domain") -> str | None:
    """Return a bare lower-case domain from a domain or website (scheme, www., port and path dropped)."""
    if value is None:
        return None
    raw = str(value).strip().lower()
    host = raw.split("//", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].removeprefix("www.").rstrip(".")
    if not DOMAIN.match(host) or len(host) > 255:
        raise RowRejected(f"{field} {str(value)!r} is not a web domain")
    return host
