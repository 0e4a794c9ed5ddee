"""Dates in the formats exports write them, judged a column at a time; an ambiguous column names the fix."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from leadpact.files import DateFormatError, DateReader, date_format, read_dates


def at(*parts):
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("2016-10-20", at(2016, 10, 20)),
    ("2016-10-20T14:31:00Z", at(2016, 10, 20, 14, 31)),
    ("2016-10-20T14:31:00.250+02:00", at(2016, 10, 20, 12, 31, 0, 250000)),
    ("2016-10-20 14:31", at(2016, 10, 20, 14, 31)),
    ("2016/10/20", at(2016, 10, 20)),
    ("20161020", at(2016, 10, 20)),
    ("20.10.2016", at(2016, 10, 20)),
    ("03.04.2016", at(2016, 4, 3)),  # dotted dates are day first wherever they are written
    ("20.10.16 08:15", at(2016, 10, 20, 8, 15)),
    ("20-Oct-2016", at(2016, 10, 20)),
    ("Oct 20, 2016", at(2016, 10, 20)),
    ("20 October 2016", at(2016, 10, 20)),
    ("42663", at(2016, 10, 20)),  # an Excel serial, as text
    (42663.5, at(2016, 10, 20, 12)),  # and as a number from a sheet
])
def test_unambiguous_formats_read_alone(value, expected):
    assert DateReader("closed").parse(value) == expected


def test_a_us_column_is_read_month_first_throughout():
    reader = read_dates("Close Date", [(2, "10/20/2016"), (3, "03/04/2016"), (4, "12/1/2016 3:45 PM")])
    assert [reader.parse(v) for v in ("10/20/2016", "03/04/2016", "12/1/2016 3:45 PM")] == [
        at(2016, 10, 20), at(2016, 3, 4), at(2016, 12, 1, 15, 45)]


def test_a_day_first_column_is_read_day_first_throughout():
    reader = read_dates("Close Date", [(2, "20/10/2016"), (3, "03/04/2016")])
    assert reader.parse("03/04/2016") == at(2016, 4, 3)


def test_a_column_where_every_date_reads_both_ways_is_refused_with_the_option_to_pass():
    with pytest.raises(DateFormatError) as refused:
        read_dates("Close Date", [(2, "03/04/2016"), (3, "05/06/2016"), (4, "2016-01-01")])
    assert str(refused.value) == (
        "column 'Close Date': every date in it, such as '03/04/2016' (row 2), reads both day first and month first; "
        "pass --date-format MM/DD/YYYY (month first, as in the US) or --date-format DD/MM/YYYY (day first)")


def test_a_column_mixing_both_orders_is_refused():
    with pytest.raises(DateFormatError, match=r"only day first \('20/10/2016', row 3\).*only month first "
                                              r"\('10/20/2016', row 5\)"):
        read_dates("Created", [(2, "01/02/2016"), (3, "20/10/2016"), (5, "10/20/2016")])


def test_a_given_format_settles_it_and_rejects_what_does_not_fit():
    reader = read_dates("Created", [(2, "03/04/2016")], given=date_format("DD/MM/YYYY"))
    assert reader.parse("03/04/2016") == at(2016, 4, 3)
    assert reader.parse("2016-05-01") == at(2016, 5, 1)  # ISO is never in doubt
    with pytest.raises(ValueError, match=r"Created '13/13/2016' is not the format %d/%m/%Y"):
        reader.parse("13/13/2016")


@pytest.mark.parametrize("value", ["soon", "31/02/2016", "2016-13-01", "0", "10/20/2016 25:00", True])
def test_what_is_no_date_is_a_row_error_naming_the_value(value):
    with pytest.raises(ValueError, match="closed"):
        DateReader("closed", day_first=False).parse(value)


@pytest.mark.parametrize("option", ["YYYY", "%H:%M", "DD/MM"])
def test_a_format_without_day_month_and_year_is_refused(option):
    with pytest.raises(DateFormatError, match="must name a day, a month and a year"):
        date_format(option)


def test_friendly_and_strptime_formats_agree():
    assert date_format("DD.MM.YYYY") == "%d.%m.%Y" == date_format("%d.%m.%Y")
    assert date_format("MM/DD/YY hh:mm") == "%m/%d/%y %H:%M"


def test_a_column_that_cannot_tell_follows_the_other_date_columns_of_its_file():
    reader = read_dates("Created", [(2, "03/04/2016")], file_order=False)
    assert reader.parse("03/04/2016") == at(2016, 3, 4)
