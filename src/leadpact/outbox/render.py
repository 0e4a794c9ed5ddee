"""Words of a notification, from its payload alone: an email's subject and body, a Slack message's text and blocks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadpact.clock import parse_time
from leadpact.escaping import header_text, slack_text


@dataclass(frozen=True)
class Rendered:
    """A notification in words."""

    subject: str
    text: str
    blocks: list[dict[str, Any]]


def render(topic: str, payload: dict[str, Any], *, base_url: str | None = None) -> Rendered:
    """Return the subject, plain text and Slack blocks of a notification."""
    person = _part(payload, "person")
    who = person.get("name") or person.get("email") or "a lead"
    company = person.get("company") or _part(payload, "account").get("name") or _part(payload, "company").get("name")
    at_company = f" at {company}" if company else ""
    rep = _part(payload, "rep").get("name") or "the rep"
    tier = f"{str(payload['tier']).upper()} " if payload.get("tier") else ""
    deadline = when(payload.get("sla_due_at"), payload)
    subjects = {
        "handoff.created": f"New {tier}lead: {who}{at_company}" + (f", respond by {deadline}" if deadline else ""),
        "handoff.reassigned": f"Reassigned to you: {who}{at_company}" + (f" (was due {deadline})" if deadline else ""),
        "sla.breached": f"SLA breached: {rep} has not contacted {who}{at_company}" + (
            f" (due {deadline})" if deadline else ""
        ),
        "handoff.closed": f"Closed: {who}{at_company} left the handoff, stop working this lead",
        "feedback.due": f"Feedback due: accept or reject {who}{at_company}",
        "readiness.missing": f"Context missing before {who}{at_company} can be handed off",
    }
    # One line whatever a lead's name holds: a CR or LF in an email header is refused, so the email never left.
    subject = header_text(str(payload.get("subject") or subjects.get(topic) or f"leadpact: {topic}"))
    lines = [subject, ""]
    if payload.get("text"):
        lines += [str(payload["text"]), ""]
    if payload.get("brief"):
        lines += [str(payload["brief"]), ""]
    lines += _facts(payload, deadline)
    missing = payload.get("missing") or []
    if isinstance(missing, list) and missing:
        lines += ["", "Missing:"] + [f"  - {_item(item)}" for item in missing]
    timeline = payload.get("timeline") or []
    if isinstance(timeline, list) and timeline:
        lines += ["", "Recent activity:"] + [f"  - {_item(item)}" for item in timeline]
    link = timeline_link(payload, base_url)
    if link:
        lines += ["", f"Timeline: {link}"]
    text = "\n".join(lines).strip() + "\n"
    return Rendered(subject=subject, text=text, blocks=_blocks(subject, payload, deadline, link))


def timeline_link(payload: dict[str, Any], base_url: str | None = None) -> str | None:
    """Return the absolute link to the handoff's timeline (a relative link is joined to the app's base URL)."""
    link = payload.get("timeline_url") or payload.get("timeline_link") or payload.get("link")
    if not link or not isinstance(link, str):
        return None
    if link.startswith("/"):
        if base_url is None:
            from leadpact.outbox.settings import get_outbox_settings

            base_url = get_outbox_settings().base_url
        link = base_url.rstrip("/") + link
    return link


def _part(payload: dict[str, Any], key: str) -> dict[str, Any]:
    # Producers differ (a team may be a key or a dict): read a nested part only when it is a dict.
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def when(value: str | None, payload: dict[str, Any]) -> str | None:
    """Return an ISO timestamp shown to the minute in the rep's time zone (else the team's), with UTC, or None."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = parse_time(value)
    except ValueError:
        return value
    zone_name = (payload.get("timezone") or _part(payload, "rep").get("timezone")
                 or _part(payload, "team").get("timezone") or "UTC")
    try:
        local = moment.astimezone(ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        local = moment
    shown = f"{local:%a %d %b %H:%M} {local.tzname()}"
    return shown if zone_name == "UTC" else f"{shown} ({moment:%H:%M} UTC)"


def _facts(payload: dict[str, Any], deadline: str | None) -> list[str]:
    person = _part(payload, "person")
    rep = _part(payload, "rep")
    lines = []
    if person:
        contact = ", ".join(str(v) for v in (person.get("title"), person.get("email"), person.get("phone")) if v)
        lines.append(f"Person: {person.get('name')}" + (f" ({contact})" if contact else ""))
    if deadline:
        lines.append(f"SLA deadline: {deadline}")
    if payload.get("first_touch_at"):
        lines.append(f"First touch: {when(payload['first_touch_at'], payload)}")
    if rep:
        lines.append(f"Rep: {rep.get('name')} <{rep.get('email')}>")
    if _part(payload, "reassigned_from"):
        lines.append(f"Previously: {_part(payload, 'reassigned_from').get('name')}")
    if payload.get("routing_reason"):
        lines.append(f"Why this rep: {payload['routing_reason']}")
    return lines


def _item(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    at = item.get("at") or item.get("timestamp") or ""
    what = item.get("name") or item.get("title") or item.get("label") or item.get("event") or item.get("type") or ""
    return f"{at} {what}".strip()


def slack(text: str, limit: int | None = None) -> str:
    """Return text for a Slack mrkdwn field: escaped as Slack asks, cut to `limit` without splitting an escape."""
    escaped = slack_text(text)
    if limit is None or len(escaped) <= limit:
        return escaped
    cut = escaped[:limit]
    ampersand = cut.rfind("&")
    return cut[:ampersand] if ampersand > limit - 5 and ";" not in cut[ampersand:] else cut


def _blocks(subject: str, payload: dict[str, Any], deadline: str | None, link: str | None) -> list[dict[str, Any]]:
    # A header is plain_text, which Slack shows as written (no mentions, no links); mrkdwn fields are escaped, so a
    # lead named "<!channel>" or "<https://evil.example|invoice>" is shown, not acted on.
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": subject[:150]}}]
    if payload.get("brief"):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": slack(str(payload["brief"]), 3000)}})
    fields = []
    if deadline:
        fields.append({"type": "mrkdwn", "text": f"*SLA deadline*\n{slack(deadline, 1900)}"})
    if _part(payload, "rep").get("name"):
        fields.append({"type": "mrkdwn", "text": f"*Rep*\n{slack(str(_part(payload, 'rep')['name']), 1900)}"})
    if fields:
        blocks.append({"type": "section", "fields": fields})
    if link:
        target = slack(link).replace("|", "%7C")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"<{target}|Timeline>"}})
    return blocks
