"""Event timestamps in a spreadsheet's export formats, read a column at a time (issue 15, files as people have them)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from leadpact.imports import MappingError
from leadpact.imports.service import import_events
from leadpact.ingest.models import Event
from tests.imports.helpers import NOW, reasons


def test_us_timestamps_with_a_12_hour_clock_are_read_month_first(session, tmp_path):
    path = tmp_path / "webinar.csv"
    path.write_text("Event,Visitor ID,Time\nWebinar Attended,v-1,10/20/2016 3:45 PM\nWebinar Attended,v-2,"
                    "03/04/2016 9:00 AM\nWebinar Attended,v-3,tomorrow\n", encoding="utf-8")
    report = import_events(session=session, path=path, now=NOW)
    assert (report.stored, reasons(report)) == (2, {4: "Time 'tomorrow' is not a date (like 2016-10-20, "
                                                       "10/20/2016 or 20.10.2016)"})
    assert sorted(session.scalars(select(Event.timestamp))) == [datetime(2016, 3, 4, 9, tzinfo=UTC),
                                                                 datetime(2016, 10, 20, 15, 45, tzinfo=UTC)]


def test_an_ambiguous_timestamp_column_stops_the_import_naming_the_option(session, tmp_path):
    path = tmp_path / "webinar.csv"
    path.write_text("Event,Visitor ID,Time\nWebinar Attended,v-1,03/04/2016\n", encoding="utf-8")
    with pytest.raises(MappingError, match="pass --date-format MM/DD/YYYY"):
        import_events(session=session, path=path, now=NOW)
    report = import_events(session=session, path=path, now=NOW, date_format="DD/MM/YYYY")
    assert report.stored == 1
    assert session.scalar(select(Event.timestamp)) == datetime(2016, 4, 3, tzinfo=UTC)
