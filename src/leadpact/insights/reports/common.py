"""Blocks several reports share: headline figures, a metrics table per slice, the funnel and rejection reasons."""

from __future__ import annotations

from datetime import datetime

from leadpact.insights.metrics import Commitment, Figures, Period
from leadpact.insights.reports import blocks
from leadpact.insights.reports.blocks import Column, Figure, Table
from leadpact.insights.reports.charts import hbar_chart
from leadpact.insights.reports.formatting import display

SLICE_TITLES = {"channel": "Channel", "persona": "Persona", "segment": "Company size", "team": "Team", "rep": "Rep",
                "pact_version": "Pact version", "month": "Month", "tier": "Tier", "industry": "Industry"}


def subtitle(period: Period | None, as_of: datetime, promised: Commitment) -> str:
    """Return the line under a report's title: period, as-of moment, active pact."""
    parts = [f"Period {period.label}"] if period else []
    parts.append(f"as of {as_of:%Y-%m-%d %H:%M} UTC")
    parts.append(f"active pact v{promised.pact_version}" if promised.pact_version else "no active pact")
    return " · ".join(parts)


def headline(total: Figures, promised: Commitment, *, elapsed: float = 1.0, months: int = 1) -> blocks.Figures:
    """Return the headline figures, flagging those short of the pact's commitments."""
    # MQLs are judged pro rata to the time elapsed, so a month in progress is judged on its pace.
    goal = promised.mqls_per_month * months if promised.mqls_per_month is not None else None
    floor = promised.min_acceptance_rate
    stl = total.speed_to_lead
    return blocks.Figures([
        Figure("MQLs", total.mqls, "int", f"commitment {goal:,}" if goal is not None else "no commitment",
               alert=goal is not None and total.mqls < goal * elapsed),
        Figure("Acceptance rate", total.acceptance_rate, "percent",
               f"{total.accepted} of {total.dispositions} dispositions"
               + (f"; commitment ≥ {floor * 100:.0f} %" if floor is not None else ""),
               alert=floor is not None and total.acceptance_rate is not None and total.acceptance_rate < floor),
        Figure("MQL → SQL", total.mql_to_sql, "percent", f"{total.sqls} SQLs"),
        Figure("SQL → won", total.sql_to_won, "percent", f"{total.won} won"),
        Figure("Speed to lead (median)", stl.median_minutes, "minutes",
               f"p90 {_minutes(stl.p90_minutes)}; {stl.touched} touched"),
        Figure("SLA compliance", total.sla_compliance, "percent", f"{stl.inside_sla} of {stl.decided} in time"),
        Figure("Feedback compliance", total.feedback_compliance, "percent",
               f"{total.feedback_on_time} of {total.feedback_decided} on time"),
    ])


def _minutes(value: float | None) -> str:
    return display(value, "minutes") or "–"


METRIC_COLUMNS = [
    Column("MQLs", "int"), Column("Hot", "int"), Column("Handed off", "int"), Column("Accepted", "int"),
    Column("Rejected", "int"), Column("Acceptance", "percent"), Column("SQLs", "int"), Column("MQL → SQL", "percent"),
    Column("Won", "int"), Column("SQL → won", "percent"), Column("Median speed", "minutes"),
    Column("p90 speed", "minutes"), Column("SLA compliance", "percent"), Column("Feedback compliance", "percent"),
]


def metric_row(item: Figures) -> list[object]:
    """Return one slice's figures in METRIC_COLUMNS order."""
    return [item.mqls, item.hot, item.handed_off, item.accepted, item.rejected, item.acceptance_rate, item.sqls,
            item.mql_to_sql, item.won, item.sql_to_won, item.speed_to_lead.median_minutes,
            item.speed_to_lead.p90_minutes, item.sla_compliance, item.feedback_compliance]


def metrics_table(title: str, by: str, items: list[Figures], *, note: str = "") -> Table:
    """Return a table of figures, one row per value of the slice `by`."""
    return Table(title, [Column(SLICE_TITLES.get(by, by.title())), *METRIC_COLUMNS],
                 [[item.key, *metric_row(item)] for item in items], note=note)


def funnel(total: Figures) -> tuple[Table, blocks.Chart]:
    """Return the funnel MQL → handed off → accepted → SQL → opportunity → won as a table and a chart."""
    stages = [("MQL", total.mqls), ("Handed off", total.handed_off), ("Accepted", total.accepted_leads),
              ("SQL", total.sqls), ("Opportunity", total.opportunities), ("Won", total.won)]
    rows, previous = [], None
    for name, count in stages:
        rows.append([name, count, count / total.mqls if total.mqls else None,
                     count / previous if previous else None])
        previous = count
    table = Table("Funnel", [Column("Stage"), Column("Leads", "int"), Column("Share of MQLs", "percent"),
                             Column("From the stage before", "percent")], rows,
                  note="Each MQL of the period followed forward to what it had become at the as-of moment.")
    return table, hbar_chart("Funnel", [name for name, _ in stages], [count for _, count in stages])


def reasons_table(title: str, reasons: dict[str, int]) -> Table:
    """Return rejection reasons with counts and share of rejections."""
    total = sum(reasons.values())
    return Table(title, [Column("Reason"), Column("Rejections", "int"), Column("Share", "percent")],
                 [[reason, count, count / total] for reason, count in reasons.items()],
                 empty="No rejections.")


def reasons_by(rows: list[dict[str, object]], key: str, title: str, key_title: str) -> tuple[Table, dict]:
    """Return a key × reason table of rejection counts and the series for a stacked chart."""
    keys = sorted({str(r[key]) for r in rows})
    reasons = sorted({str(r["reason"]) for r in rows})
    counts = {(str(r[key]), str(r["reason"])): int(r["count"]) for r in rows}  # type: ignore[call-overload]
    table = Table(title, [Column(key_title), *(Column(reason, "int") for reason in reasons), Column("Total", "int")],
                  [[k, *(counts.get((k, reason), 0) for reason in reasons),
                    sum(counts.get((k, reason), 0) for reason in reasons)] for k in keys],
                  empty="No rejections.")
    series = {reason: [float(counts.get((k, reason), 0)) for k in keys] for reason in reasons}
    return table, {"labels": keys, "series": series}
