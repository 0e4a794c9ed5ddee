"""A person's events in words: what they engaged with (named), the problem behind it, velocity, the timeline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from leadpact.pact import Catalog, as_utc

# What a person did, in a rep's words, for the track events the site and forms send.
VERBS = {
    "Content Downloaded": "downloaded",
    "Webinar Registered": "registered for",
    "Webinar Attended": "attended",
    "Email Clicked": "clicked through to",
    "Email Opened": "opened",
    "Form Submitted": "submitted a form on",
    "Demo Requested": "requested a demo on",
    "Pricing Requested": "requested pricing on",
    "Trial Started": "started a trial on",
}
# Decision-stage content says more about intent than an awareness blog post.
STAGE_WEIGHT = {"awareness": 1.0, "consideration": 2.0, "decision": 3.0}
# Events that are not behaviour: who someone is, not what they did.
NOT_ACTIVITY = ("identify", "group", "alias")
# Traits and form fields in which people state when they mean to buy.
TIMELINE_KEYS = ("timeline", "purchase_timeline", "buying_timeline", "timeframe", "time_frame")
WEEK = timedelta(days=7)
# Which action tells the most about a page or asset someone touched several ways: a request beats attending, which
# beats downloading, registering, a form, a click, a view and, last, an email opened.
VERB_RANK = {"requested a demo on": 9, "requested pricing on": 9, "started a trial on": 8, "attended": 7,
             "downloaded": 6, "registered for": 5, "submitted a form on": 3, "clicked through to": 2, "viewed": 1,
             "opened": 0}
CUSTOM_RANK = 4  # a track event the site defines itself: more than a view, less than a download


@dataclass(frozen=True)
class Activity:
    """One behavioural event as a rep reads it."""

    at: datetime
    event: str  # the track name, or page / screen
    verb: str
    title: str | None  # the asset's catalog title, else the page or event's own title
    asset_id: str | None
    path: str | None
    problem: str | None
    stage: str | None

    def words(self) -> str:
        """The event as a short phrase: `viewed 'Pricing'`."""
        return f"{self.verb} '{self.title}'" if self.title else self.verb


@dataclass(frozen=True)
class EngagedItem:
    """Everything a person did with one named page or asset in one way: how often, how recently, how much."""

    verb: str
    title: str
    asset_id: str | None
    count: int
    first_at: datetime
    last_at: datetime
    weight: float


def activities(events: Iterable[Mapping[str, Any]], catalog: Catalog) -> list[Activity]:
    """Return the behavioural events, oldest first, named from the content catalog where it knows them."""
    found = []
    for event in events:
        kind = event.get("type") or ("track" if event.get("event") else "")
        if kind in NOT_ACTIVITY:
            continue
        name = str(event.get("event") or "") if kind == "track" else kind
        asset = catalog.asset_for(event) or {}
        properties = event.get("properties") or {}
        page = (event.get("context") or {}).get("page") or {}
        title = (asset.get("title") or properties.get("title") or properties.get("subject")
                 or (event.get("name") if kind == "page" else None) or page.get("title") or properties.get("path"))
        verb = "viewed" if kind in ("page", "screen") else VERBS.get(name, name.lower() or kind)
        found.append(Activity(
            at=as_utc(event["timestamp"]), event=name, verb=verb, title=str(title) if title else None,
            asset_id=asset.get("id"), path=asset.get("path") or properties.get("path") or page.get("path"),
            problem=asset.get("problem") or None, stage=asset.get("funnel_stage") or None,
        ))
    # Events at the same moment in a stable order, so the same history always reads the same.
    found.sort(key=lambda a: (a.at, a.event, a.title or "", a.path or ""))
    return found


def weight(activity: Activity, now: datetime, half_life_days: float) -> float:
    """How much one event says about intent now: decayed like engagement points, decision stage counting more."""
    age_days = max((now - activity.at).total_seconds() / 86400, 0.0)
    return 0.5 ** (age_days / half_life_days) * STAGE_WEIGHT.get(activity.stage or "", 1.0)


def engaged_items(found: Sequence[Activity], now: datetime, half_life_days: float) -> list[EngagedItem]:
    """Return one item per named page or asset, told by its most telling action (downloaded over viewed), with
    that action's count and recency and the weight of everything done with it; weightiest first."""
    by_title: dict[str, list[Activity]] = {}
    for activity in found:
        if activity.title:
            by_title.setdefault(activity.title, []).append(activity)
    items = []
    for title, group in by_title.items():
        verbs: dict[str, list[Activity]] = {}
        for activity in group:
            verbs.setdefault(activity.verb, []).append(activity)
        verb = max(verbs, key=lambda v: (VERB_RANK.get(v, CUSTOM_RANK), len(verbs[v]), v))
        told = verbs[verb]
        items.append(EngagedItem(verb, title, told[-1].asset_id, len(told), told[0].at, told[-1].at,
                                 sum(weight(a, now, half_life_days) for a in group)))
    items.sort(key=lambda i: (-round(i.weight, 9), -i.last_at.timestamp(), i.title))
    return items


def likely_problems(found: Sequence[Activity], now: datetime, half_life_days: float) -> list[dict[str, Any]]:
    """Return the problems of the catalog assets engaged with, by engagement weight, heaviest first."""
    problems: dict[str, dict[str, Any]] = {}
    for activity in found:
        if not activity.problem:
            continue
        entry = problems.setdefault(activity.problem, {"problem": activity.problem, "weight": 0.0, "assets": {}})
        amount = weight(activity, now, half_life_days)
        entry["weight"] += amount
        title = activity.title or activity.asset_id or activity.path or "?"
        entry["assets"][title] = entry["assets"].get(title, 0.0) + amount
    ranked = sorted(problems.values(), key=lambda p: (-round(p["weight"], 9), p["problem"]))
    return [{"problem": p["problem"], "weight": round(p["weight"], 3),
             "assets": [t for t, _ in sorted(p["assets"].items(), key=lambda kv: (-round(kv[1], 9), kv[0]))]}
            for p in ranked]


def velocity(found: Sequence[Activity], now: datetime, weeks_before: int = 4) -> dict[str, Any]:
    """Return events in the last 7 days against the weekly average of the weeks before, and the trend in a word."""
    this_week = sum(1 for a in found if now - WEEK < a.at <= now)
    earlier = sum(1 for a in found if now - WEEK * (weeks_before + 1) < a.at <= now - WEEK)
    average = round(earlier / weeks_before, 2)
    if this_week >= 3 and this_week >= 2 * average:
        trend = "accelerating"
    elif this_week < average / 2:
        trend = "slowing"
    else:
        trend = "steady"
    return {"this_week": this_week, "weekly_before": average, "weeks_before": weeks_before, "trend": trend}


def stated_timeline(traits: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Return the latest timeline the person stated on a form or in a trait, with where and when, or None."""
    latest: dict[str, Any] | None = None
    for event in events:
        for source in ("properties", "traits"):
            values = event.get(source) or {}
            for key in TIMELINE_KEYS:
                if isinstance(values.get(key), str | int | float) and str(values[key]).strip():
                    at = as_utc(event["timestamp"])
                    if latest is None or at >= latest["at"]:
                        latest = {"value": str(values[key]).strip(), "at": at, "source": event.get("event") or
                                  event.get("type")}
    if latest is None:
        for key in TIMELINE_KEYS:
            if isinstance(traits.get(key), str | int | float) and str(traits[key]).strip():
                return {"value": str(traits[key]).strip(), "at": None, "source": "profile"}
    return latest


def timeline(found: Sequence[Activity], limit: int = 20) -> list[dict[str, Any]]:
    """Return the last `limit` events, newest first, with names, titles and times, as stored with the handoff."""
    return [
        {"at": a.at.isoformat(), "event": a.event, "what": a.words()[0].upper() + a.words()[1:], "title": a.title,
         "asset_id": a.asset_id, "path": a.path}
        for a in reversed(found[-limit:])
    ]


def ago(moment: datetime, now: datetime) -> str:
    """Say how long ago `moment` was, as a rep would: `3 days ago`, `yesterday`, `2 hours ago`."""
    seconds = max((now - moment).total_seconds(), 0)
    minutes, hours, days = seconds / 60, seconds / 3600, seconds / 86400
    if minutes < 1:
        return "just now"
    if hours < 1:
        return _units(int(minutes), "minute")
    if hours < 24:
        return _units(int(hours), "hour")
    if hours < 48:
        return "yesterday"
    if days < 14:
        return f"{int(days)} days ago"
    if days < 60:
        return f"{int(days // 7)} weeks ago"
    return f"{int(days // 30)} months ago"


def _units(count: int, unit: str) -> str:
    return f"an {unit} ago" if count == 1 and unit == "hour" else (
        f"a {unit} ago" if count == 1 else f"{count} {unit}s ago")


def times(count: int) -> str:
    """Say how often: `once`, `twice`, `4 times`."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
