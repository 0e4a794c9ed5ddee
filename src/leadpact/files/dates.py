"""Dates as exports write them: ISO 8601, `10/20/2016` (US), `20.10.2016` and `20/10/2016` (day first), month
names, and Excel serial numbers. A column is judged as a whole, so `03/04/2016` is read the way the rest of its
column says; a column whose every date reads both ways is refused with the `--date-format` that settles it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

# Day 0 of Excel's 1900 date system, as Excel counts it (it believes 1900 was a leap year, so serial 60 is a
# 29 February that never was; every serial from 61 on, which is every date anyone imports, comes out right).
EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)
MOST_SERIAL = 2_958_465  # 31 December 9999
ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ](.+))?$")
NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]+(.+))?$")
SERIAL = re.compile(r"^\d{1,7}(\.\d+)?$")
COMPACT = re.compile(r"^\d{8}$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?\s*([AaPp]\.?[Mm]\.?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
NAMED = ("%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%B %d %Y",
         "%d-%B-%Y", "%a, %d %b %Y")
FRIENDLY = {"YYYY": "%Y", "YY": "%y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "DD": "%d", "HH": "%H", "hh": "%H",
            "mm": "%M", "ss": "%S"}
FRIENDLY_TOKEN = re.compile("|".join(sorted(FRIENDLY, key=len, reverse=True)))


class DateFormatError(ValueError):
    """A date column that cannot be read without being told how, or a `--date-format` that makes no sense."""


def date_format(option: str) -> str:
    """Turn a `--date-format` (`DD/MM/YYYY`, or strptime's `%d/%m/%Y`) into a strptime format, checking it."""
    text = option.strip()
    fmt = text if "%" in text else FRIENDLY_TOKEN.sub(lambda found: FRIENDLY[found.group(0)], text)
    has_day, has_month = "%d" in fmt, any(m in fmt for m in ("%m", "%b", "%B"))
    if not (has_day and has_month and ("%Y" in fmt or "%y" in fmt)):
        raise DateFormatError(f"--date-format {option!r} must name a day, a month and a year, like DD/MM/YYYY, "
                              "MM/DD/YYYY or %d.%m.%Y")
    try:
        datetime(2016, 10, 20, 9, 30).strftime(fmt)
    except ValueError as error:
        raise DateFormatError(f"--date-format {option!r} is not a date format: {error}") from None
    return fmt


@dataclass(frozen=True)
class DateReader:
    """How one column's dates are read: day first or month first for numeric dates, or a format the user gave."""

    column: str
    day_first: bool | None = None  # None: no numeric d/m/y date seen (or a format was given)
    given: str | None = None

    def parse(self, value: Any) -> datetime | None:
        """Return the value as an aware UTC datetime (None when empty); raise ValueError saying what is wrong."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        if isinstance(value, bool):
            raise ValueError(self._wrong(value))
        if isinstance(value, int | float):
            return _serial(value, self)
        text = str(value).strip()
        if self.given is not None:
            found = _given(text, self.given)
            if found is not None:
                return found
        found = _unambiguous(text)
        if found is not None:
            return found
        numeric = NUMERIC.match(text)
        if numeric and self.given is None:
            first, separator, second = int(numeric.group(1)), numeric.group(2), int(numeric.group(3))
            day_first = True if separator == "." else self.day_first
            if day_first is None:
                day_first = first > 12
            day, month = (first, second) if day_first else (second, first)
            return _combine(_ymd(numeric.group(4), month, day, text, self), numeric.group(5), text, self)
        if SERIAL.match(text):
            return _serial(float(text), self)
        raise ValueError(self._wrong(value))

    def _wrong(self, value: Any) -> str:
        how = f"the format {self.given}" if self.given else "a date (like 2016-10-20, 10/20/2016 or 20.10.2016)"
        return f"{self.column} {str(value)[:60]!r} is not {how}"


@dataclass(frozen=True)
class Evidence:
    """What a column's numeric dates say about their order: an example (row, value) of each kind seen."""

    day_first: tuple[int, str] | None = None  # only reads day first (20/10/2016)
    month_first: tuple[int, str] | None = None  # only reads month first (10/20/2016)
    either: tuple[int, str] | None = None  # reads both ways (03/04/2016)

    @property
    def order(self) -> bool | None:
        """True: day first; False: month first; None: the column does not say (or says both)."""
        if bool(self.day_first) == bool(self.month_first):
            return None
        return self.day_first is not None


def evidence(values: Iterable[tuple[int, Any]]) -> Evidence:
    """Look at every (row, value) of a column and keep the first example of each kind of numeric date."""
    day_first = month_first = either = None
    for row, value in values:
        numeric = NUMERIC.match(str(value).strip()) if isinstance(value, str) else None
        if numeric is None or numeric.group(2) == ".":
            continue  # dotted dates are day first wherever they are written
        first, second = int(numeric.group(1)), int(numeric.group(3))
        if first > 12 >= second:
            day_first = day_first or (row, str(value))
        elif second > 12 >= first:
            month_first = month_first or (row, str(value))
        elif first <= 12 and second <= 12:
            either = either or (row, str(value))
    return Evidence(day_first, month_first, either)


def read_dates(column: str, values: Iterable[tuple[int, Any]], *, given: str | None = None,
               file_order: bool | None = None) -> DateReader:
    """Judge a column from all its (row, value) pairs: day first or month first — from the column itself, else from
    the other date columns of its file (`file_order`) — or refuse it as ambiguous, naming the --date-format."""
    if given is not None:
        return DateReader(column, given=given)
    seen = evidence(values)
    if seen.day_first and seen.month_first:
        raise DateFormatError(
            f"column {column!r} has dates that read only day first ({seen.day_first[1]!r}, row {seen.day_first[0]}) "
            f"and others that read only month first ({seen.month_first[1]!r}, row {seen.month_first[0]}); pass "
            "--date-format DD/MM/YYYY or --date-format MM/DD/YYYY to say which is right (rows in the other format "
            "are then rejected)")
    if seen.order is not None:
        return DateReader(column, day_first=seen.order)
    if seen.either and file_order is not None:
        return DateReader(column, day_first=file_order)
    if seen.either:
        example = seen.either[1]
        numeric = NUMERIC.match(example.strip())
        assert numeric is not None
        separator, year = numeric.group(2), "YYYY" if len(numeric.group(4)) == 4 else "YY"
        raise DateFormatError(
            f"column {column!r}: every date in it, such as {example!r} (row {seen.either[0]}), reads both day first "
            f"and month first; pass --date-format MM{separator}DD{separator}{year} (month first, as in the US) or "
            f"--date-format DD{separator}MM{separator}{year} (day first)")
    return DateReader(column)


def _given(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt).replace(tzinfo=UTC) if "%z" not in fmt else \
            datetime.strptime(text, fmt).astimezone(UTC)
    except ValueError:
        pass
    date_part, _, time_part = text.partition(" ")
    try:
        moment = datetime.strptime(date_part, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None
    clock = _time(time_part.strip()) if time_part.strip() else None
    return moment + clock if clock is not None else None


def _unambiguous(text: str) -> datetime | None:
    iso = ISO.match(text)
    if iso:
        try:
            return _combine(datetime(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)), tzinfo=UTC),
                            iso.group(4), text, None)
        except ValueError:
            return None
    if COMPACT.match(text):
        try:
            return datetime.strptime(text, "%Y%m%d").replace(tzinfo=UTC)
        except ValueError:
            return None
    if text[:1].isalpha() or re.match(r"^\d{1,2}[ -][A-Za-z]", text):
        for fmt in NAMED:
            try:
                return datetime.strptime(text, fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
    return None


def _ymd(year_text: str, month: int, day: int, text: str, reader: DateReader) -> datetime:
    year = int(year_text)
    if len(year_text) == 2:
        year += 2000 if year < 70 else 1900  # as spreadsheets read two-digit years
    try:
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        order = "day first" if reader.day_first or "." in text else "month first"
        raise ValueError(f"{reader.column} {text!r} is not a real date (read {order})") from None


def _combine(day: datetime, clock_text: str | None, text: str, reader: DateReader | None) -> datetime:
    if not clock_text:
        return day
    clock_text = clock_text.strip()
    offset = _time(clock_text)
    if offset is None:
        # Anything else after an ISO date (fractions, zones written as +0200) is fromisoformat's to judge.
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00").replace("/", "-"))
        except ValueError:
            column = reader.column if reader else "date"
            raise ValueError(f"{column} {text!r} has a time that cannot be read") from None
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return day + offset


def _time(text: str) -> timedelta | None:
    """The time of day (zone applied) as an offset from midnight UTC, or None when it is not one."""
    found = TIME.match(text)
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2))
    seconds = int(found.group(3) or 0)
    fraction = int((found.group(4) or "0").ljust(6, "0"))
    meridiem = (found.group(5) or "").replace(".", "").lower()
    if meridiem:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if meridiem == "pm" else 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return None
    clock = timedelta(hours=hours, minutes=minutes, seconds=seconds, microseconds=fraction)
    zone = found.group(6)
    if zone and zone.upper() != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        clock -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return clock


def _serial(number: float, reader: DateReader) -> datetime:
    if not 1 <= number <= MOST_SERIAL:
        raise ValueError(f"{reader.column} {number:g} is not a date (as an Excel serial it is out of range)")
    return EXCEL_EPOCH + timedelta(days=number)
