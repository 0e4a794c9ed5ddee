"""Column mapping: which file column feeds which field, from default spellings, a mapping file and --map."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("people", "accounts", "events", "content", "outcomes", "firmographics")

# Each field with the spellings recognised by default, compared after `spelling()` (lower case, letters and
# digits only), so "E-mail", "email_address" and "Email Address" all meet "emailaddress" or "email".
PEOPLE: dict[str, tuple[str, ...]] = {
    "email": ("email", "emailaddress", "workemail", "businessemail", "mail"),
    "first_name": ("firstname", "givenname", "forename", "first"),
    "last_name": ("lastname", "surname", "familyname", "last"),
    "name": ("name", "fullname", "contactname", "leadname"),
    "title": ("title", "jobtitle", "position", "jobposition"),
    "seniority": ("seniority", "level", "joblevel"),
    "department": ("department", "dept", "jobfunction", "function"),
    "country": ("country", "countryregion", "countrycode"),
    "phone": ("phone", "phonenumber", "telephone", "workphone", "businessphone"),
    "company": ("company", "companyname", "account", "accountname", "organization", "organisation"),
    "industry": ("industry", "companyindustry"),
    "employees": ("employees", "employeecount", "numberofemployees", "companyemployees", "headcount"),
    "user_id": ("userid", "externalid", "contactid"),
}
ACCOUNTS: dict[str, tuple[str, ...]] = {
    "domain": ("domain", "website", "companydomain", "companydomainname", "websiteurl", "url", "web"),
    "name": ("name", "company", "companyname", "account", "accountname", "organization", "organisation"),
    "industry": ("industry",),
    "employees": ("employees", "employeecount", "numberofemployees", "headcount"),
    "country": ("country", "countryregion", "billingcountry", "countrycode"),
    "owner": ("owner", "owneremail", "accountowner", "accountowneremail", "rep", "repemail", "companyowner"),
}
EVENTS: dict[str, tuple[str, ...]] = {
    "type": ("type", "calltype", "messagetype"),
    "event": ("event", "eventname", "action"),
    "name": ("name", "pagename"),
    "userId": ("userid",),
    "anonymousId": ("anonymousid", "anonid", "visitorid", "cookieid"),
    "messageId": ("messageid", "eventid"),
    "timestamp": ("timestamp", "time", "eventtime", "occurredat", "datetime", "date"),
    "email": ("email", "emailaddress"),
    "groupId": ("groupid",),
    "previousId": ("previousid",),
    "context.campaign.source": ("utmsource",),
    "context.campaign.medium": ("utmmedium",),
    "context.campaign.name": ("utmcampaign", "campaign"),
    "context.campaign.term": ("utmterm",),
    "context.campaign.content": ("utmcontent",),
    "properties.path": ("path", "pagepath"),
    "properties.url": ("url", "pageurl"),
    "properties.referrer": ("referrer",),
}
CONTENT: dict[str, tuple[str, ...]] = {
    "id": ("id", "assetid", "contentid", "slug", "key"),
    "title": ("title", "name", "assetname", "contenttitle"),
    "path": ("path", "url", "link", "page", "pagepath"),
    "topic": ("topic", "theme", "category", "subject"),
    "problem": ("problem", "painpoint", "pain", "problemsolved"),
    "funnel_stage": ("funnelstage", "stage", "buyerstage", "buyingstage", "funnel"),
}
# Opportunities from a CRM export: the column names of HubSpot's and Salesforce's own exports and reports.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "external_id": ("opportunityid", "dealid", "recordid", "id", "crmid", "opportunity18digitid"),
    "name": ("opportunityname", "dealname", "name", "opportunity", "deal", "title"),
    "email": ("email", "contactemail", "emailaddress", "primarycontactemail", "associatedcontactemail",
              "contactemailaddress"),
    "domain": ("domain", "website", "companydomain", "companydomainname", "accountwebsite", "accountdomain",
               "websiteurl", "url"),
    "company": ("company", "companyname", "account", "accountname", "associatedcompany", "organization",
                "organisation"),
    "stage": ("stage", "stagename", "dealstage", "opportunitystage", "status"),
    "won": ("won", "iswon", "closedwon"),
    "closed": ("closed", "isclosed"),
    "created_at": ("createddate", "createdate", "created", "createdon", "createdat", "opportunitycreateddate",
                   "opendate", "opened", "openedat"),
    "closed_at": ("closedate", "closeddate", "closedat", "closedon", "dateclosed", "wonlostdate"),
    "amount": ("amount", "dealamount", "opportunityamount", "value", "dealvalue", "amountusd", "totalamount"),
    "currency": ("currency", "currencycode", "opportunitycurrency", "dealcurrencycode", "amountcurrency"),
    "lost_reason": ("lostreason", "closedlostreason", "lossreason", "reasonlost", "reasonforloss"),
    "owner": ("owner", "opportunityowner", "dealowner", "owneremail", "ownername", "salesrep", "rep", "accountowner"),
    "industry": ("industry", "accountindustry", "companyindustry"),
    "employees": ("employees", "numberofemployees", "employeecount", "headcount", "accountemployees",
                  "companysize", "accountnumberofemployees"),
    "country": ("country", "billingcountry", "accountcountry", "countryregion", "accountbillingcountry"),
}
# A firmographics file for enrichment (`leadpact enrich load`): a domain and what is known about the company.
FIRMOGRAPHICS: dict[str, tuple[str, ...]] = {name: spellings for name, spellings in ACCOUNTS.items() if name != "owner"}
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {"people": PEOPLE, "accounts": ACCOUNTS, "events": EVENTS,
                                                 "content": CONTENT, "outcomes": OUTCOMES,
                                                 "firmographics": FIRMOGRAPHICS}
# Targets that take any name after the dot: where a column lands inside a message or the traits.
PREFIXES: dict[str, tuple[str, ...]] = {
    "people": ("traits.",),
    "accounts": ("traits.",),
    "events": ("properties.", "context.", "traits."),
    "content": (),
    "outcomes": (),
    "firmographics": (),
}
IGNORE = "ignore"


class MappingError(ValueError):
    """A mapping that names an unknown field or column, in words."""


def spelling(name: str) -> str:
    """Reduce a column name to the letters and digits that identify it: `E-mail` → `email`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def allowed_targets(kind: str) -> str:
    """Describe the fields a column of this kind of file may map to."""
    names = list(FIELDS[kind]) if kind != "events" else [f for f in EVENTS if "." not in f]
    names += [f"{prefix}NAME" for prefix in PREFIXES[kind]] + [IGNORE]
    return ", ".join(names)


def check_target(kind: str, target: str) -> str:
    """Return `target` if a column of this kind may map to it, else raise MappingError naming the allowed ones."""
    if target in FIELDS[kind] or target == IGNORE:
        return target
    if any(target.startswith(prefix) and len(target) > len(prefix) for prefix in PREFIXES[kind]):
        return target
    raise MappingError(f"unknown field {target!r} for {kind}; allowed fields: {allowed_targets(kind)}")


def parse_map_options(options: list[str]) -> dict[str, str]:
    """Turn repeated `--map source_column=field` options into a dict."""
    mapping: dict[str, str] = {}
    for option in options:
        column, sep, target = option.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise MappingError(f"--map {option!r} must look like source_column=field")
        mapping[column.strip()] = target.strip()
    return mapping


def load_mapping_file(path: Path) -> dict[str, str]:
    """Read a YAML or JSON mapping: `{source_column: field}`, optionally under a `columns` key."""
    text = Path(path).read_text(encoding="utf-8-sig")
    try:
        if Path(path).suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as error:  # JSON and YAML each raise their own error types
        raise MappingError(f"mapping file {path} cannot be read: {error}") from None
    if isinstance(data, dict) and "stages" in data:
        # The outcomes import's stage vocabulary (imports.stages) shares the file; it is not a column.
        data = {key: value for key, value in data.items() if key != "stages"}
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise MappingError(f"mapping file {path} must be an object of source_column: field pairs")
    return {str(column): target for column, target in data.items()}


@dataclass
class ColumnMap:
    """The resolved mapping of one file: column → field; every other column is kept as a trait."""

    kind: str
    fields: dict[str, str] = field(default_factory=dict)

    def apply(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Split a row into (fields, extra columns); empty cells are dropped."""
        mapped: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for column, value in values.items():
            if value is None:
                continue
            target = self.fields.get(column)
            if target == IGNORE:
                continue
            if target is None:
                extra[column] = value
            elif target.startswith("traits.") and self.kind != "events":
                extra[target.removeprefix("traits.")] = value
            else:
                mapped[target] = value
        return mapped, extra


def build_mapping(kind: str, columns: list[str], explicit: dict[str, str] | None = None) -> ColumnMap:
    """Resolve the mapping for a file's columns: explicit entries first, then the default spellings."""
    if kind not in FIELDS:
        raise MappingError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}")
    result: dict[str, str] = {}
    claimed: dict[str, str] = {}
    for column, target in (explicit or {}).items():
        check_target(kind, target)
        found = _find_column(column, columns)
        if found is None:
            raise MappingError(f"--map names column {column!r}, which is not in the file; its columns are "
                               f"{', '.join(columns)}")
        if target != IGNORE and target in claimed:
            raise MappingError(f"columns {claimed[target]!r} and {found!r} both map to {target!r}")
        result[found] = target
        claimed[target] = found
    spellings = {spelling(s): name for name, spellings in FIELDS[kind].items() for s in spellings}
    if len(columns) > 2 and columns[0] == "row" and columns[-1] == "reason":
        # A rejects file written by an earlier import, fixed and fed back: its bookkeeping columns are not data.
        for column in ("row", "reason"):
            result.setdefault(column, IGNORE)
    for column in columns:
        if column in result:
            continue
        if any(column.startswith(prefix) and len(column) > len(prefix) for prefix in PREFIXES[kind]):
            # `properties.plan`, `context.campaign.source`, `traits.tier`: the header already says where it goes.
            result[column] = column
            continue
        target = spellings.get(spelling(column))
        # The first column with a recognised spelling wins; a second one stays a trait rather than overwrite it.
        if target is not None and target not in claimed:
            result[column] = target
            claimed[target] = column
    return ColumnMap(kind, result)


class MappingCache:
    """Mappings for files without a header (JSONL): one resolved per distinct set of keys."""

    def __init__(self, kind: str, explicit: dict[str, str] | None = None) -> None:
        self.kind = kind
        self.explicit = explicit or {}
        for target in self.explicit.values():
            check_target(kind, target)
        self._maps: dict[tuple[str, ...], ColumnMap] = {}

    def for_columns(self, columns: list[str]) -> ColumnMap:
        """Return the mapping for a row with these keys (explicit entries whose column is absent are skipped)."""
        key = tuple(columns)
        if key not in self._maps:
            present = {c: t for c, t in self.explicit.items() if _find_column(c, columns) is not None}
            self._maps[key] = build_mapping(self.kind, columns, present)
        return self._maps[key]


def _find_column(column: str, columns: list[str]) -> str | None:
    if column in columns:
        return column
    matches = [c for c in columns if spelling(c) == spelling(column) and spelling(column)]
    return matches[0] if len(matches) == 1 else None
