"""The pact pages: versions with their state and sign-offs, one version's signed document, the diff in words,
what the reader may do with a version (sign, activate), and backtests side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from leadpact.pact import diff, render_html, stored_pact
from leadpact.pact.models import PactApproval, PactVersion
from leadpact.pact.versions import SIDES, STEWARDS, active_version, approvals_of, list_versions, signatures_of

AUTHORS = ("marketing", "admin")  # who writes drafts (marketing ops; admins on their behalf)
SHARES = ("predicted_acceptance", "mql_to_sql", "won_caught_share")
ROWS = (("mqls", "MQLs (first qualified in the window)"), ("with_feedback", "MQLs with feedback"),
        ("predicted_acceptance", "Predicted acceptance"), ("mql_to_sql", "MQL → SQL"), ("won_deals", "Won deals"),
        ("won_caught", "Won deals caught before the win"), ("won_caught_share", "Share of won deals caught"),
        ("median_days_before_win", "Median days from qualified to won"))


@dataclass(frozen=True)
class VersionRow:
    """A version as the list shows it."""

    version: PactVersion
    signatures: list[PactApproval]


@dataclass(frozen=True)
class VersionPage:
    """One version: its row, document, sign-offs, the diff from the active version, what the reader may do."""

    version: PactVersion
    document: str
    signatures: list[PactApproval]
    active: PactVersion | None
    changes: list[str]
    may_sign: str | None  # the side the reader would sign, when they may
    may_activate: bool


def versions(*, session: Session) -> list[VersionRow]:
    """Return every version, newest first, with its sign-offs."""
    return [VersionRow(row, signatures_of(session=session, version=row.version))
            for row in reversed(list_versions(session=session))]


def version_page(*, session: Session, row: PactVersion, role: str) -> VersionPage:
    """Return what a version's page shows to a reader with this role."""
    signatures = signatures_of(session=session, version=row.version)
    active = active_version(session=session)
    pact = stored_pact(row.source)
    changes = diff(stored_pact(active.source), pact) if active is not None and active.version != row.version else []
    side = SIDES.get(role)
    may_sign = side if row.state == "draft" and side and side not in {s.side for s in signatures} else None
    return VersionPage(
        version=row, document=render_html(pact, approvals_of(session=session, version=row.version)),
        signatures=signatures, active=active, changes=changes, may_sign=may_sign,
        may_activate=row.state == "approved" and role in STEWARDS)


def side_by_side(report: dict[str, Any]) -> dict[str, Any]:
    """Return a backtest report as rows of labelled cells, pacts side by side, for a table."""
    pacts = report["pacts"]
    months = sorted({m for p in pacts for m in p.get("mqls_per_month", {})})
    rows: list[tuple[str, list[Any], bool]] = []
    for key, label in ROWS:
        if any(key in p for p in pacts):
            rows.append((label, [p.get(key) for p in pacts], key in SHARES))
        if key == "mqls":
            rows += [(f"  {month}", [p.get("mqls_per_month", {}).get(month, 0) for p in pacts], False)
                     for month in months]
    return {"from": report["from"], "to": report["to"], "names": [p["pact"] for p in pacts], "rows": rows,
            "earlier": report.get("earlier_than_active"), "note": report.get("note")}
