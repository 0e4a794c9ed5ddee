"""Text that visitors wrote (a lead's name, a page title, a rejection note), made safe for where leadpact writes it:
a spreadsheet cell, Markdown, a Slack message, an email header. Each function keeps the text readable and takes
away only what the destination would act on."""

from __future__ import annotations

import re

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets (tab and carriage
# return too, per OWASP's CSV injection advice; the full-width forms are read as formulas in some locales).
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Characters CommonMark acts on inside a line: emphasis, code, links, raw HTML, entities, table pipes, escapes.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>&|~])")
# Every line break str.splitlines() knows, and the other control characters a header must not carry.
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (a plain number such as -1200 is not one)."""
    start = text.lstrip(" ")[:1]  # spreadsheets skip leading spaces before a formula
    if start not in FORMULA_STARTS:
        return False
    return start in "\t\r" or not _PLAIN_NUMBER.fullmatch(text.strip(" "))


def spreadsheet_text(text: str) -> str:
    """Return text for a CSV cell: a leading single quote when a spreadsheet would run it as a formula."""
    return "'" + text if formula_like(text) else text


def markdown_text(text: str) -> str:
    """Return text shown as itself in Markdown: no emphasis, links, raw HTML or entities, on one line."""
    return _MARKDOWN.sub(r"\\\1", text).replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def slack_text(text: str) -> str:
    """Return text shown as itself in a Slack message: &, < and > escaped, as Slack asks, so a name cannot
    mention the channel (<!channel>) or make a link (<url|label>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def header_text(text: str) -> str:
    """Return text for one email header line: line breaks and other control characters folded into spaces."""
    return _LINE_BREAKS.sub(" ", text).strip()
