"""The ritual reports (SPEC §10): weekly pipeline review, monthly conversion report, MQL review sheet and
quarterly pact review, each rendered as self-contained HTML, XLSX, Markdown or CSV from the same blocks.

`build_report(kind, session=…, as_of=…)` then `render(report, format)` (XLSX through `reports.xlsx`, imported only
when asked for: openpyxl is slow to load for every command); the quarterly review takes evidence,
proposal and backtest sections through `quarterly_pact_review(sections=…)` or `add_review_sections(provider)`."""

from leadpact.insights.reports.blocks import (
    Block,
    Chart,
    Column,
    Figure,
    Figures,
    Report,
    Section,
    Table,
    Text,
    table_from_frame,
)
from leadpact.insights.reports.charts import bar_chart, hbar_chart, line_chart, stacked_chart
from leadpact.insights.reports.formatting import display
from leadpact.insights.reports.labels import reason_words
from leadpact.insights.reports.monthly import monthly_conversion
from leadpact.insights.reports.quarterly import (
    NO_PROPOSAL,
    add_review_sections,
    quarterly_pact_review,
    remove_review_sections,
    review_sections,
)
from leadpact.insights.reports.render import FORMATS, MEDIA_TYPES, render, render_csv, render_html, render_markdown
from leadpact.insights.reports.review_sheet import MEETING_COLUMNS, last_mqls, mql_review_sheet
from leadpact.insights.reports.service import KINDS, UnknownReport, build_report, check_kind
from leadpact.insights.reports.weekly import weekly_review

__all__ = [
    "reason_words",
    "display",
    "FORMATS", "KINDS", "MEDIA_TYPES", "MEETING_COLUMNS", "NO_PROPOSAL", "Block", "Chart", "Column", "Figure",
    "Figures", "Report", "Section", "Table", "Text", "UnknownReport", "add_review_sections", "bar_chart",
    "build_report", "check_kind", "hbar_chart", "last_mqls", "line_chart", "monthly_conversion", "mql_review_sheet",
    "quarterly_pact_review", "remove_review_sections", "render", "render_csv", "render_html", "render_markdown",
    "review_sections", "stacked_chart", "table_from_frame", "weekly_review",
]
