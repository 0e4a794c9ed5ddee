"""CRM search for the HubSpot contract server: filter groups, operators, sorts, paging, lagging index."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.crm.servers.hubspot_schema import HubSpotError, Prop, parse_datetime, require_keys

if TYPE_CHECKING:
    from tests.crm.servers.hubspot_portal import HubSpotPortal, Record

OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
             "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
MAX_LIMIT = 200
MAX_RESULTS = 10_000


def _key(prop: Prop | None, value: Any) -> Any:
    """A comparable form of a value: epoch ms for datetimes, floats for numbers, lower-case text otherwise."""
    if value is None or value == "":
        return None
    if prop is not None and prop.type == "datetime":
        moment = parse_datetime(value)
        return None if moment is None else moment.timestamp() * 1000
    if prop is not None and prop.type == "number":
        try:
            return float(value)
        except ValueError:
            return None
    return str(value).lower()


def _matches(record: Record, schema: dict[str, Prop], f: dict[str, Any]) -> bool:
    name, operator = f["propertyName"], f["operator"]
    prop = schema.get(name)
    have = record.id if name == "hs_object_id" else record.properties.get(name)
    if operator == "HAS_PROPERTY":
        return have not in (None, "")
    if operator == "NOT_HAS_PROPERTY":
        return have in (None, "")
    mine = _key(prop, have)
    if operator in ("IN", "NOT_IN"):
        inside = mine in {_key(prop, v) for v in f.get("values") or []}
        return inside if operator == "IN" else not inside
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(f.get("value", "")).lower().strip("*")
        inside = mine is not None and token in str(mine)
        return inside if operator == "CONTAINS_TOKEN" else not inside
    theirs = _key(prop, f.get("value"))
    if operator == "BETWEEN":
        high = _key(prop, f.get("highValue"))
        return mine is not None and theirs is not None and high is not None and theirs <= mine <= high
    if operator == "NEQ":
        return mine != theirs
    if mine is None or theirs is None:
        return False
    return {"EQ": mine == theirs, "LT": mine < theirs, "LTE": mine <= theirs, "GT": mine > theirs,
            "GTE": mine >= theirs}[operator]


def _check_filter(schema: dict[str, Prop], f: Any) -> dict[str, Any]:
    f = require_keys(f, {"propertyName", "operator", "value", "values", "highValue"}, {"propertyName", "operator"},
                     "filter")
    if f["operator"] not in OPERATORS:
        raise HubSpotError(400, f"Invalid operator {f['operator']}; use one of {sorted(OPERATORS)}",
                           "VALIDATION_ERROR")
    if f["propertyName"] not in schema and f["propertyName"] != "hs_object_id":
        raise HubSpotError(400, f"There was a problem with the request: property {f['propertyName']} does not exist",
                           "VALIDATION_ERROR")
    return f


def search(portal: HubSpotPortal, kind: str, body: Any, as_json: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Answer POST /crm/v3/objects/{kind}/search; objects appear only once the index has caught up."""
    require_keys(body, {"filterGroups", "sorts", "properties", "limit", "after", "query"}, set(), "search request")
    schema = portal.schema[kind]
    groups = [[_check_filter(schema, f) for f in require_keys(g, {"filters"}, {"filters"}, "filterGroup")["filters"]]
              for g in body.get("filterGroups") or []]
    if len(groups) > 5 or any(len(g) > 6 for g in groups):
        raise HubSpotError(400, "At most 5 filterGroups of at most 6 filters each", "VALIDATION_ERROR")
    limit = int(body.get("limit") or 10)
    if not 0 < limit <= MAX_LIMIT:
        raise HubSpotError(400, f"limit must be between 1 and {MAX_LIMIT}", "VALIDATION_ERROR")
    after = int(body.get("after") or 0)
    if after >= MAX_RESULTS:
        raise HubSpotError(400, f"paging past {MAX_RESULTS} results is not allowed", "VALIDATION_ERROR")
    found = [r for r in portal.records(kind) if portal.visible(r)
             and (not groups or any(all(_matches(r, schema, f) for f in g) for g in groups))]
    for sort in reversed(body.get("sorts") or []):
        name = sort if isinstance(sort, str) else sort.get("propertyName")
        descending = (sort.startswith("-") if isinstance(sort, str) else sort.get("direction") == "DESCENDING")
        name = name.lstrip("-")
        prop = schema.get(name)
        found.sort(key=lambda r, n=name, p=prop: (_key(p, r.properties.get(n)) is None,
                                                   _key(p, r.properties.get(n)) or 0), reverse=descending)
    page = found[after : after + limit]
    answer: dict[str, Any] = {"total": len(found), "results": [as_json(r, body.get("properties") or []) for r in page]}
    if after + limit < len(found):
        answer["paging"] = {"next": {"after": str(after + limit), "link": None}}
    return answer
