"""Scrubbing one person out of documents: what identifies them (the needles) and how a JSON document or a text
loses every trace of it while keeping what the aggregates read (statuses, scores, criteria, channels, times)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

ERASED = "[erased]"
# Keys whose values describe a person wherever they appear (Segment's reserved traits and their spellings).
PERSONAL_KEYS = frozenset({
    "email", "emails", "phone", "mobile", "firstname", "first_name", "lastname", "last_name", "fullname",
    "full_name", "username", "user_name", "avatar", "address", "street", "city", "postalcode", "postal_code",
    "zip", "birthday", "age", "gender", "ip", "useragent", "user_agent", "userid", "user_id", "anonymousid",
    "anonymous_id", "previousid", "previous_id", "linkedin", "twitter", "website_user", "traits", "person",
})
# The event context that stays: where the visit came from and on which page; the rest (IP, user agent, device,
# locale, location, traits) describes the visitor.
CONTEXT_KEPT = frozenset({"campaign", "page", "library"})
PAGE_KEPT = frozenset({"path", "title"})
# The lifecycle reasons the aggregates read, kept (scrubbed) when an erasure redacts the trail.
REASONS_KEPT = frozenset({
    "fit_score", "grade", "engagement_score", "persona", "matched", "stages", "disqualified_by", "missing",
    "handoff_id", "tier", "rep_id", "reason", "rejection_reason", "disposition", "source", "crm", "activity",
})


@dataclass(frozen=True)
class Needles:
    """What identifies one person: exact strings (emails, ids, phone, IPs) and names (matched as whole words);
    `shared` are the exact ones others may hold too (an office's IP address)."""

    exact: frozenset[str]
    names: frozenset[str]
    shared: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *, exact: Iterable[str | None], names: Iterable[str | None],
           shared: Iterable[str | None] = ()) -> Needles:
        """Needles from the person's identifiers (three characters or more: shorter ones match anything) and names
        (two or more, as whole words)."""
        common = frozenset(v.strip().lower() for v in shared if v and len(v.strip()) > 2)
        return cls(frozenset(v.strip().lower() for v in exact if v and len(v.strip()) > 2) | common,
                   frozenset(v.strip().lower() for v in names if v and len(v.strip()) > 1), common)

    @cached_property
    def name_pattern(self) -> re.Pattern[str]:
        """The names as whole words ("Ada" in "Ada Lee", not in "Canada")."""
        words = sorted(self.names, key=len, reverse=True)
        pattern = r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)" if words else r"(?!x)x"
        return re.compile(pattern, re.IGNORECASE)

    def found_in(self, text: str) -> bool:
        """Whether `text` mentions the person."""
        lowered = text.lower()
        return any(needle in lowered for needle in self.exact) or bool(self.name_pattern.search(text))

    def strings(self) -> list[str]:
        """Every needle, for scans."""
        return sorted(self.exact | self.names)


def scrub_text(text: str | None, needles: Needles) -> str | None:
    """The text, or `[erased]` when it mentions the person."""
    if text is None:
        return None
    return ERASED if needles.found_in(text) else text


def scrub(value: Any, needles: Needles) -> Any:
    """A JSON value without the person: personal keys dropped, strings that mention them replaced."""
    if isinstance(value, dict):
        return {k: scrub(v, needles) for k, v in value.items() if str(k).lower() not in PERSONAL_KEYS}
    if isinstance(value, list):
        return [scrub(item, needles) for item in value]
    if isinstance(value, str):
        return scrub_text(value, needles)
    return value


def scrub_context(context: dict[str, Any] | None, needles: Needles) -> dict[str, Any]:
    """An event's context reduced to its campaign, page path and title, and library."""
    kept = {k: v for k, v in (context or {}).items() if k in CONTEXT_KEPT}
    if isinstance(kept.get("page"), dict):
        kept["page"] = {k: v for k, v in kept["page"].items() if k in PAGE_KEPT}
    return scrub(kept, needles)  # type: ignore[no-any-return]


def scrub_reasons(reasons: dict[str, Any] | None, needles: Needles, *, erasure_id: int) -> dict[str, Any]:
    """A transition's reasons reduced to what the aggregates read, naming the erasure that redacted them."""
    kept = scrub({k: v for k, v in (reasons or {}).items() if k in REASONS_KEPT}, needles)
    return {**kept, "erased": True, "erasure_id": erasure_id}


@dataclass(frozen=True)
class Mentions:
    """How others' documents name a person: their email, ids, phone and full name (a first name alone would hit
    every other person who shares it)."""

    strings: tuple[str, ...]

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Any of the strings, case-insensitive."""
        words = sorted(self.strings, key=len, reverse=True)
        return re.compile("|".join(re.escape(w) for w in words) if words else r"(?!x)x", re.IGNORECASE)

    def redact(self, value: Any) -> Any:
        """A text or JSON value with each mention replaced by `[erased]` and the rest kept."""
        if isinstance(value, dict):
            return {k: self.redact(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.redact(item) for item in value]
        if isinstance(value, str):
            return self.pattern.sub(ERASED, value)
        return value


def mentions_of(needles: Needles, full_names: Iterable[str | None]) -> Mentions:
    """The mentions to look for in other people's rows: the exact needles others cannot share, and the full
    names."""
    names = {n.strip().lower() for n in full_names if n and " " in n.strip()}
    return Mentions(tuple(sorted((needles.exact - needles.shared) | names)))
