"""The web app's templates: one Jinja2 environment, the filters pages share, and the page response."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from leadpact.clock import as_utc, get_clock

TEMPLATES = Path(__file__).parent / "templates"


def when(moment: datetime | str | None, form: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as people read it, in UTC ('' when there is none)."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return as_utc(moment).strftime(form) + (" UTC" if "%H" in form else "")


def iso(moment: datetime | None) -> str:
    """A moment as ISO-8601 UTC for the browser's scripts ('' when there is none)."""
    return as_utc(moment).isoformat() if moment is not None else ""


def duration(seconds: float | None) -> str:
    """A span in words: '12 min', '3 h 05 min', '2 d 4 h'; negative spans read as overdue by that much."""
    if seconds is None:
        return ""
    left = abs(int(seconds))
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes:02d} min"
    else:
        text = f"{minutes} min"
    return f"overdue by {text}" if seconds < 0 else text


def percent(value: float | None, places: int = 0) -> str:
    """A share as a percentage ('–' when unknown)."""
    return "–" if value is None else f"{value * 100:.{places}f} %"


def number(value: float | int | None, places: int = 0) -> str:
    """A number with thousands separators ('–' when unknown)."""
    return "–" if value is None else f"{value:,.{places}f}"


def minutes(value: float | None) -> str:
    """Minutes as a manager reads them ('–' when unknown)."""
    return "–" if value is None else f"{value:,.0f} min"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of every page (autoescaped, strict about undefined names)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "svg"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, iso=iso, duration=duration, percent=percent, number=number, minutes=minutes)
    return env


def page(request: Request, template: str, *, principal: Any, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    """Render a page for the signed-in principal (its name, role and CSRF token go to the layout)."""
    csrf = csrf_token(principal)
    html = environment().get_template(template).render(
        request=request, principal=principal, csrf_token=csrf, now=get_clock().now(), **context)
    return HTMLResponse(html, status_code=status_code)


def csrf_token(principal: Any) -> str:
    """The CSRF token every form of this principal's pages carries ('' before anyone signs in)."""
    if principal is None:
        return ""
    from leadpact.web.deps import csrf_token_for

    return csrf_token_for(principal)
