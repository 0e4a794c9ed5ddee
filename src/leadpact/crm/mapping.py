"""Field mapping between leadpact and each CRM, as data: built-in defaults a YAML or JSON file can override.

A mapping file has one section per CRM; each key it names replaces (dicts: extends) the default:

    hubspot:
      statuses:                      # the CRM's lead status → what it means in leadpact
        ATTEMPTED_TO_CONTACT: [touch]
        CONNECTED: [touch, accept]
        BAD_TIMING: [reject:wrong_timing]
      owners: {rob@northwind.example: "101"}   # rep email → CRM owner id, when Rep.crm_owner_id is empty
    salesforce:
      rating: {A: Hot, B: Warm, C: Cold, D: Cold}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CRMS = ("hubspot", "salesforce")
ACTIONS = ("touch", "accept", "reject")


class MappingError(ValueError):
    """A mapping file that cannot be used, with what is wrong in words."""


@dataclass(frozen=True)
class StatusRule:
    """What a CRM lead status means in leadpact: a touch (stops the SLA clock), an acceptance, or a rejection."""

    touch: bool = False
    disposition: str | None = None  # accept | reject
    reason: str | None = None  # a rejection reason from the pact's vocabulary; None: read it from the record


_HUBSPOT: dict[str, Any] = {
    # leadpact lifecycle → HubSpot lifecyclestage. HubSpot has no SAL stage: acceptance shows in hs_lead_status.
    "lifecycle": {
        "known": "lead", "engaged": "lead", "nurture": "lead", "needs_context": "lead",
        "mql": "marketingqualifiedlead", "hot": "marketingqualifiedlead", "handed_off": "marketingqualifiedlead",
        "accepted": "marketingqualifiedlead", "sql": "salesqualifiedlead", "opportunity": "opportunity",
        "won": "customer",
    },
    "stage_order": ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer",
                    "evangelist"],
    "new_status": "NEW",
    "statuses": {
        "NEW": [], "OPEN": [],
        "ATTEMPTED_TO_CONTACT": ["touch"],
        "CONNECTED": ["touch", "accept"],
        "IN_PROGRESS": ["touch", "accept"],
        "OPEN_DEAL": ["touch", "accept"],
        "BAD_TIMING": ["touch", "reject:wrong_timing"],
        "UNQUALIFIED": ["reject"],  # the reason comes from the contact's rejection-reason property
    },
    "won_stages": ["closedwon"],
    "lost_stages": ["closedlost"],
    "fields": {
        "key": "leadpact_id", "fit_score": "leadpact_fit_score", "grade": "leadpact_fit_grade",
        "engagement_score": "leadpact_engagement_score", "rejection_reason": "leadpact_rejection_reason",
        "lost_reason": "closed_lost_reason",
    },
    "rating": {},
    "owners": {},
}

_SALESFORCE: dict[str, Any] = {
    "lifecycle": {},
    "stage_order": [],
    "new_status": "Open - Not Contacted",
    "statuses": {
        "Open - Not Contacted": [],
        "Working - Contacted": ["touch", "accept"],
        "Closed - Converted": ["touch", "accept"],
        "Closed - Not Converted": ["reject"],
    },
    "won_stages": [],
    "lost_stages": [],
    "fields": {
        "key": "Leadpact_Id__c", "fit_score": None, "grade": None, "engagement_score": None,
        "rejection_reason": None, "lost_reason": None, "lead_source": None,
    },
    "rating": {"A": "Hot", "B": "Warm", "C": "Cold", "D": "Cold"},
    "owners": {},
}

DEFAULTS: dict[str, dict[str, Any]] = {"hubspot": _HUBSPOT, "salesforce": _SALESFORCE}


@dataclass(frozen=True)
class CrmMapping:
    """How one CRM's vocabulary maps to leadpact's: lifecycle stages, lead statuses, ratings, owners, fields."""

    crm: str
    lifecycle: dict[str, str]
    stage_order: list[str]
    new_status: str
    statuses: dict[str, StatusRule]
    won_stages: list[str]
    lost_stages: list[str]
    fields: dict[str, str | None]
    rating: dict[str, str]
    owners: dict[str, str] = field(default_factory=dict)

    @classmethod
    def default(cls, crm: str) -> CrmMapping:
        """The built-in mapping for `crm`."""
        return build(crm, {})

    def stage_for(self, lifecycle: str | None, current: str | None) -> str | None:
        """The lifecycle stage to write, or None to leave it: stages only move forward, unknown ones are kept."""
        target = self.lifecycle.get(lifecycle or "")
        if target is None:
            return None
        if not current:
            return target
        order = self.stage_order
        if current not in order or target not in order:
            return None  # a portal's own stage: a person set it, leave it alone
        return target if order.index(target) > order.index(current) else None

    def rule_for(self, status: str | None) -> StatusRule:
        """What a lead status means (an unmapped status means nothing)."""
        return self.statuses.get(status or "", StatusRule())

    def owner_for(self, *, crm_owner_id: str | None, rep_email: str | None) -> str | None:
        """The CRM owner id of a rep: their own field first, then the mapping's owners by email."""
        if crm_owner_id:
            return crm_owner_id
        return self.owners.get((rep_email or "").lower())

    def deal_stage(self, stage: str | None) -> str:
        """open | won | lost for a CRM deal stage."""
        if stage in self.won_stages:
            return "won"
        if stage in self.lost_stages:
            return "lost"
        return "open"


def parse_rule(status: str, actions: Any) -> StatusRule:
    """Read one status's actions (`touch`, `accept`, `reject` or `reject:<reason>`) into a rule."""
    if isinstance(actions, str):
        actions = [actions]
    if not isinstance(actions, list):
        raise MappingError(f"status {status!r}: give a list of actions from {', '.join(ACTIONS)}")
    touch, disposition, reason = False, None, None
    for action in actions:
        name, _, value = str(action).partition(":")
        if name not in ACTIONS:
            raise MappingError(f"status {status!r}: unknown action {action!r}; use {', '.join(ACTIONS)}")
        if name == "touch":
            touch = True
            continue
        if disposition is not None:
            raise MappingError(f"status {status!r}: both accept and reject")
        disposition, reason = name, (value or None)
        if name == "accept" and value:
            raise MappingError(f"status {status!r}: accept takes no reason")
    return StatusRule(touch=touch, disposition=disposition, reason=reason)


def build(crm: str, overrides: dict[str, Any]) -> CrmMapping:
    """The default mapping of `crm` with `overrides` (one file section) applied."""
    if crm not in DEFAULTS:
        raise MappingError(f"unknown CRM {crm!r}; use one of {', '.join(CRMS)}")
    unknown = set(overrides) - set(DEFAULTS[crm])
    if unknown:
        raise MappingError(f"{crm}: unknown key(s) {', '.join(sorted(unknown))}; use {', '.join(DEFAULTS[crm])}")
    data = {key: (dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value)
            for key, value in DEFAULTS[crm].items()}
    for key, value in overrides.items():
        if isinstance(data[key], dict):
            if not isinstance(value, dict):
                raise MappingError(f"{crm}.{key}: expected a mapping")
            data[key].update(value)
        else:
            data[key] = value
    return CrmMapping(
        crm=crm,
        lifecycle={str(k): str(v) for k, v in data["lifecycle"].items()},
        stage_order=[str(s) for s in data["stage_order"]],
        new_status=str(data["new_status"]),
        statuses={str(k): parse_rule(str(k), v) for k, v in data["statuses"].items()},
        won_stages=[str(s) for s in data["won_stages"]],
        lost_stages=[str(s) for s in data["lost_stages"]],
        fields={str(k): (None if v is None else str(v)) for k, v in data["fields"].items()},
        rating={str(k): str(v) for k, v in data["rating"].items()},
        owners={str(k).lower(): str(v) for k, v in data["owners"].items()},
    )


def load_mapping(crm: str, path: str | Path | None = None) -> CrmMapping:
    """The mapping of `crm`: the defaults, overridden by the file at `path` (YAML or JSON) when given."""
    if path is None:
        return build(crm, {})
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise MappingError(f"cannot read mapping file {path}: {error.strerror}") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise MappingError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {error}") from None
    document = document or {}
    if not isinstance(document, dict) or set(document) - set(CRMS):
        raise MappingError(f"{path}: expected top-level sections {' and/or '.join(CRMS)}")
    section = document.get(crm) or {}
    if not isinstance(section, dict):
        raise MappingError(f"{path}: section {crm} must be a mapping")
    return build(crm, section)
