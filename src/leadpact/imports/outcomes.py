"""Importing historic outcomes: opportunities from a CRM export — by a person's email or by the account alone — with
their stage read as won, lost or open, their dates in whatever format the export wrote, and their amounts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadpact.clock import get_clock
from leadpact.feedback.history import HistoricDeal, HistoryRefused, record_deal
from leadpact.imports import checks
from leadpact.imports.amounts import amount, decimal_comma
from leadpact.imports.dates import column_values, read_date, readers_for
from leadpact.imports.mapping import ColumnMap, MappingError, build_mapping
from leadpact.imports.readers import Source, open_source
from leadpact.imports.report import ImportReport, RowRejected
from leadpact.imports.service import Progress, _ticker
from leadpact.imports.stages import StageMap, stage_map
from leadpact.imports.vocabulary import STANDARD_INDUSTRIES, fold_spellings
from leadpact.people.models import Account

DATES = ("created_at", "closed_at")
YES = ("true", "yes", "1", "y", "t", "x", "won", "closed")
NO = ("false", "no", "0", "n", "f", "", "open", "lost")


def import_outcomes(
    *,
    session: Session,
    path: Path,
    columns: dict[str, str] | None = None,
    sheet: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    date_format: str | None = None,
    stages: dict[str, str] | None = None,
) -> ImportReport:
    """Store each row's deal as a historic outcome of its person or account; return what happened to each row."""
    now = now or get_clock().now()
    source = open_source(path, sheet=sheet)
    if source.format == "jsonl":
        raise MappingError(f"{source.path.name}: outcomes are read from CSV or XLSX exports, not JSONL")
    column_map = build_mapping("outcomes", source.columns, columns)
    _require(column_map, source)
    vocabulary = stage_map(stages)
    importer = OutcomeImporter(session, source=source, column_map=column_map, stages=vocabulary, now=now,
                               date_format=date_format)
    report = ImportReport("outcomes")
    report.notes += importer.notes
    tick = _ticker(source, progress)
    for row in source.rows():
        report.read += 1
        tick(1)
        try:
            if row.error:
                raise RowRejected(row.error)
            fields, extra = column_map.apply(row.values)
            result = importer.handle(row.number, fields, extra)
        except RowRejected as error:
            report.reject(row.number, str(error), row.original())
            continue
        report.stored += result == "stored"
        report.updated += result == "updated"
        report.duplicates += result == "tracked"
    tick(0, final=True)
    return report


def _require(column_map: ColumnMap, source: Source) -> None:
    mapped = set(column_map.fields.values())
    if not mapped & {"email", "domain", "company"}:
        raise MappingError(f"{source.path.name} names no column for a person's email or an account (domain or "
                           f"company name); map one with --map COLUMN=email|domain|company. Its columns are "
                           f"{', '.join(source.columns)}")
    if not mapped & {"stage", "won"}:
        raise MappingError(f"{source.path.name} names no stage column; map one with --map COLUMN=stage (or a "
                           f"won/lost flag with --map COLUMN=won). Its columns are {', '.join(source.columns)}")


class OutcomeImporter:
    """Imports outcome rows, judging the file's date, amount and industry columns as wholes first."""

    def __init__(self, session: Session, *, source: Source, column_map: ColumnMap, stages: StageMap,
                 now: datetime, date_format: str | None) -> None:
        self.session, self.stages, self.now = session, stages, now
        values = column_values(source, column_map, (*DATES, "amount", "industry"))
        self.dates = readers_for(values, column_map, DATES, given=date_format)
        self.comma_decimal = decimal_comma(values.get("amount", []))
        industries = Counter(str(v).strip() for _, v in values.get("industry", []) if str(v).strip())
        known: Counter[str] = Counter({industry: count for industry, count in session.execute(
            select(Account.industry, func.count()).where(Account.industry.is_not(None)).group_by(Account.industry))
            if industry})
        self.industries = fold_spellings(industries, known, STANDARD_INDUSTRIES)
        self.notes = [f"industry {wrong!r} read as {right!r} ({industries[wrong]} row"
                      f"{'s' if industries[wrong] != 1 else ''})" for wrong, right in sorted(self.industries.items())]
        self.first_row: dict[str, int] = {}

    def handle(self, number: int, fields: dict[str, Any], extra: dict[str, Any]) -> str:
        """Store the deal a row describes; return "stored", "updated" or "tracked", or raise RowRejected."""
        stage, label = self._stage(fields)
        value, symbol = amount(fields.get("amount"), comma_decimal=self.comma_decimal)
        industry = checks.text("industry", fields.get("industry"), 120)
        deal = HistoricDeal(
            source="import",
            stage=stage,
            external_id=checks.text("external_id", _identifier(fields.get("external_id")), 120),
            email=checks.email(fields["email"]) if fields.get("email") is not None else None,
            domain=checks.domain(fields.get("domain")),
            company=checks.text("company", fields.get("company"), 255),
            name=checks.text("name", fields.get("name"), 255),
            source_stage=label,
            opened_at=read_date(self.dates, fields, "created_at"),
            closed_at=read_date(self.dates, fields, "closed_at"),
            amount=value,
            currency=_currency(fields.get("currency")) or symbol,
            lost_reason=checks.text("lost_reason", fields.get("lost_reason"), 120),
            owner=_owner(fields.get("owner")),
            industry=self.industries.get(industry, industry) if industry else None,
            employees=checks.whole_number("employees", fields.get("employees")),
            country=checks.text("country", fields.get("country"), 64),
            details={k: v for k, v in extra.items() if isinstance(v, str | int | float | bool)},
        )
        key = deal.key()
        if key in self.first_row:
            label = f"deal {deal.external_id}" if deal.external_id else "the same deal"
            raise RowRejected(f"{label} already appears in row {self.first_row[key]}")
        try:
            result, _opportunity = record_deal(session=self.session, deal=deal, now=self.now)
        except HistoryRefused as error:
            raise RowRejected(str(error)) from None
        self.first_row[key] = number
        return result

    def _stage(self, fields: dict[str, Any]) -> tuple[str, str]:
        """(won | lost | open, the stage as the export wrote it), from the stage column or the won/closed flags."""
        label = checks.text("stage", fields.get("stage"), 120)
        if label is not None:
            outcome = self.stages.outcome(label)
            if outcome is not None:
                return outcome, label
        won, closed = _flag(fields, "won"), _flag(fields, "closed")
        if won is True:
            return "won", label or "won"
        if closed is True:
            return "lost", label or "lost"
        if closed is False:
            return "open", label or "open"
        if label is not None:
            raise RowRejected(f"stage {label!r} is not known; say what it means with --stage \"{label}=won\" "
                              "(or lost, or open)")
        if won is False:
            raise RowRejected("won is no, but nothing says whether the deal closed: map a closed or a stage column")
        raise RowRejected("stage is missing")


def _flag(fields: dict[str, Any], name: str) -> bool | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise RowRejected(f"{name} {value!r} is neither yes nor no")


def _identifier(value: Any) -> Any:
    # Spreadsheets store numeric ids as floats (1042.0).
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None if value is None else str(value)


def _currency(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    if len(text) != 3 or not text.isalpha():
        raise RowRejected(f"currency {value!r} is not a three-letter code such as USD or EUR")
    return text


def _owner(value: Any) -> str | None:
    text = checks.text("owner", value, 320)
    return text.lower() if text and "@" in text else text
