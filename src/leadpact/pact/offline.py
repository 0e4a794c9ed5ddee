"""People and accounts resolved in memory from Segment-shape messages: `leadpact score` without a database.

Identity: identify joins anonymousId, userId and email; alias joins previousId with userId; identify
traits (top level or context.traits) are merged onto the person in time order. Accounts: each
`group` makes an account keyed by groupId with its traits. A person's account is the group they
sent, else the account of their (non free-mail) email domain, else the one named by their company
trait, else one implied by their company trait and business email domain.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from leadpact.pact.evaluate import as_utc
from leadpact.people.freemail import email_domain, is_freemail

TYPES = ("track", "page", "screen", "identify", "group", "alias")


@dataclass(frozen=True)
class InputProblem:
    """A message that was left out, and why; `line` is 1-based in the input file."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class OfflinePerson:
    """One resolved person: identity key, merged traits, matched account and events."""

    key: str
    person: dict[str, Any]
    account: dict[str, Any] | None
    events: list[dict[str, Any]] = field(default_factory=list)


def normalise_message(raw: Any) -> dict[str, Any]:
    """Return a Segment message in the engine's event shape; raise ValueError saying what is wrong."""
    if not isinstance(raw, Mapping):
        raise ValueError("a message must be a JSON object")
    kind = raw.get("type")
    if kind not in TYPES:
        raise ValueError(f"unknown or missing type {kind!r}; expected one of {', '.join(TYPES)}")
    stamp = next((raw[k] for k in ("timestamp", "originalTimestamp", "sentAt", "receivedAt") if raw.get(k)), None)
    if stamp is None:
        raise ValueError("no timestamp")
    try:
        timestamp = as_utc(str(stamp))
    except ValueError:
        raise ValueError(f"unreadable timestamp {stamp!r}") from None
    user_id, anonymous_id = _id(raw.get("userId")), _id(raw.get("anonymousId"))
    if user_id is None and anonymous_id is None:
        raise ValueError("neither userId nor anonymousId")
    if kind == "track" and not isinstance(raw.get("event"), str):
        raise ValueError("a track message needs an event name")
    if kind == "group" and _id(raw.get("groupId")) is None:
        raise ValueError("a group message needs a groupId")
    if kind == "alias" and (_id(raw.get("previousId")) is None or user_id is None):
        raise ValueError("an alias message needs previousId and userId")
    context = raw.get("context") if isinstance(raw.get("context"), Mapping) else {}
    traits = raw.get("traits") if isinstance(raw.get("traits"), Mapping) else context.get("traits")
    properties = raw.get("properties") if isinstance(raw.get("properties"), Mapping) else {}
    if kind in ("page", "screen") and raw.get("name") and "name" not in properties:
        properties = {**properties, "name": raw["name"]}
    return {
        "type": kind, "event": raw.get("event"), "name": raw.get("name"), "properties": dict(properties),
        "context": dict(context), "timestamp": timestamp, "message_id": _id(raw.get("messageId")),
        "user_id": user_id, "anonymous_id": anonymous_id, "traits": dict(traits or {}),
        "group_id": _id(raw.get("groupId")), "previous_id": _id(raw.get("previousId")),
    }


def _id(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) and str(value) else None


def read_messages(lines: Iterable[str]) -> tuple[list[dict[str, Any]], list[InputProblem]]:
    """Return the valid messages of JSONL text (batch envelopes opened) and a problem per bad one."""
    messages, problems = [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(InputProblem(number, f"invalid JSON: {error.msg} at column {error.colno}"))
            continue
        batch = raw.get("batch") if isinstance(raw, dict) and "batch" in raw else None
        items = batch if isinstance(batch, list) else [raw]
        for position, item in enumerate(items, start=1):
            try:
                messages.append(normalise_message(item))
            except ValueError as error:
                where = f"message {position} of the batch: " if batch is not None else ""
                problems.append(InputProblem(number, where + str(error)))
    return messages, problems


class _Identities:
    """Union-find over identifiers: ('id', anonymousId or userId) and ('email', address)."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, node: tuple[str, str]) -> tuple[str, str]:
        """Return the representative of a node's group (adding the node when new)."""
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        """Join the groups of two nodes."""
        self.parent[self.find(a)] = self.find(b)


def _domain_of(traits: Mapping[str, Any]) -> str | None:
    domain = traits.get("domain") or traits.get("website")
    if not isinstance(domain, str) or not domain.strip():
        return None
    host = urlsplit(domain if "://" in domain else "//" + domain).hostname or ""
    return host.lower().removeprefix("www.") or None


def _company_name(traits: Mapping[str, Any]) -> str | None:
    company = traits.get("company")
    name = company.get("name") if isinstance(company, Mapping) else company
    return name.strip() if isinstance(name, str) and name.strip() else None


def resolve(messages: Iterable[Mapping[str, Any]], *, as_of: datetime | None = None) -> list[OfflinePerson]:
    """Return the people (with account and events) that normalised messages describe, up to `as_of`."""
    seen_ids: set[str] = set()
    ordered = []
    for message in sorted(messages, key=lambda m: m["timestamp"]):
        if (as_of is not None and message["timestamp"] > as_of) or message["message_id"] in seen_ids:
            continue  # the future is unknown at as_of; a messageId counts once
        if message["message_id"]:
            seen_ids.add(message["message_id"])
        ordered.append(message)
    identities = _Identities()
    accounts: dict[str, dict[str, Any]] = {}
    for message in ordered:
        ids = [("id", i) for i in (message["user_id"], message["anonymous_id"]) if i]
        identities.find(ids[0])
        if message["type"] == "identify":
            for other in ids[1:]:
                identities.union(other, ids[0])
            email = message["traits"].get("email")
            if isinstance(email, str) and "@" in email:
                identities.union(("email", email.strip().lower()), ids[0])
        elif message["type"] == "alias":
            identities.union(("id", message["previous_id"]), ("id", message["user_id"]))
        elif message["type"] == "group":
            account = accounts.setdefault(message["group_id"], {"group_id": message["group_id"]})
            account.update(message["traits"])
    for account in accounts.values():
        account["domain"] = _domain_of(account)
    clusters: dict[tuple[str, str], OfflinePerson] = {}
    groups: dict[tuple[str, str], str] = {}
    for message in ordered:
        root = identities.find(("id", message["user_id"] or message["anonymous_id"]))
        person = clusters.setdefault(root, OfflinePerson("", {}, None))
        person.events.append(message)
        if message["type"] == "identify":
            person.person.update(message["traits"])
        for key, name in (("user_id", "userId"), ("anonymous_id", "anonymousId")):
            if message[key]:
                person.person.setdefault(name, message[key])
        if message["type"] == "group":
            groups[root] = message["group_id"]
    by_domain = {a["domain"]: a for a in accounts.values() if a.get("domain")}
    by_name = {str(a["name"]).strip().casefold(): a for a in accounts.values() if isinstance(a.get("name"), str)}
    people = []
    for root, person in clusters.items():
        traits = person.person
        domain = email_domain(traits.get("email") if isinstance(traits.get("email"), str) else None)
        business = domain if domain and not is_freemail(domain) else None
        name = _company_name(traits)
        person.account = (accounts.get(groups.get(root, "")) or by_domain.get(business or "")
                          or by_name.get((name or "").casefold()) or _implied_account(traits, name, business))
        person.key = str(traits.get("email") or traits.get("userId") or traits.get("anonymousId"))
        people.append(person)
    return sorted(people, key=lambda p: p.key)


def _implied_account(traits: Mapping[str, Any], name: str | None, domain: str | None) -> dict[str, Any] | None:
    """An account from Segment's reserved `company` trait and a business email domain, when no group matched."""
    if name is None and domain is None:
        return None
    company = traits.get("company") if isinstance(traits.get("company"), Mapping) else {}
    account = {"name": name, "domain": domain, "industry": company.get("industry"),
               "employees": company.get("employees", company.get("employee_count"))}
    return {key: value for key, value in account.items() if value is not None}
