"""What `crm connect` reads from the HubSpot contract server: owners, and contact properties (created on demand)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from tests.crm.servers.hubspot_portal import HubSpotPortal
from tests.crm.servers.hubspot_schema import PIPELINES, SCHEMA, HubSpotError, Prop, require_keys


def object_type(request: Request) -> str:
    """The object type in the path, refused like HubSpot when unknown."""
    name = request.path_params["object_type"]
    if name not in SCHEMA:
        raise HubSpotError(400, f"Unable to infer object type from: {name}", "VALIDATION_ERROR")
    return name


def owners(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """GET /crm/v3/owners/ (paged by `limit` and `after`, filterable by `email`)."""
    limit = int(request.query_params.get("limit", 100))
    start = int(request.query_params.get("after") or 0)
    chosen = [o for o in portal.owners if request.query_params.get("email") in (None, o["email"])]
    page = [_owner(o) for o in chosen[start : start + limit]]
    more = {"paging": {"next": {"after": str(start + limit)}}} if start + limit < len(chosen) else {}
    return 200, {"results": page, **more}


def owner(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """GET /crm/v3/owners/{ownerId}."""
    for o in portal.owners:
        if o["id"] == request.path_params["owner_id"]:
            return 200, _owner(o)
    raise HubSpotError(404, "Owner not found", "OBJECT_NOT_FOUND")


def _owner(o: dict[str, Any]) -> dict[str, Any]:
    return {**o, "type": "PERSON", "archived": False, "teams": [], "createdAt": "2024-01-01T00:00:00.000Z",
            "updatedAt": "2024-01-01T00:00:00.000Z"}


def properties(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """GET /crm/v3/properties/{type}, and POST to create a custom property."""
    kind = object_type(request)
    if request.method == "GET":
        return 200, {"results": [p.as_json(n) for n, p in portal.schema[kind].items()]}
    item = require_keys(body, {"name", "label", "type", "fieldType", "groupName", "description", "options",
                               "displayOrder", "hasUniqueValue", "hidden", "formField", "externalOptions"},
                        {"name", "label", "type", "fieldType", "groupName"}, "property")
    if item["name"] in portal.schema[kind]:
        raise HubSpotError(409, f"Property named '{item['name']}' already exists.", "OBJECT_ALREADY_EXISTS")
    if item["type"] not in ("string", "number", "date", "datetime", "enumeration", "bool"):
        raise HubSpotError(400, f"{item['type']} is not a valid property type", "VALIDATION_ERROR")
    prop = Prop(type=item["type"], label=item["label"], group=item["groupName"], custom=True)
    portal.schema[kind][item["name"]] = prop
    return 201, prop.as_json(item["name"])


def pipelines(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """GET /crm/v3/pipelines/{objectType}: the deal pipelines, each stage with its isClosed/probability metadata."""
    if request.path_params["object_type"] != "deals":
        raise HubSpotError(400, f"Unable to infer object type from: {request.path_params['object_type']}",
                           "VALIDATION_ERROR")
    stamp = "2020-01-01T00:00:00.000Z"
    return 200, {"results": [
        {"id": p["id"], "label": p["label"], "displayOrder": order, "archived": False, "createdAt": stamp,
         "updatedAt": stamp, "stages": [
             {"id": stage, "label": label, "displayOrder": index, "archived": False, "createdAt": stamp,
              "updatedAt": stamp, "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
              "metadata": {"isClosed": closed, "probability": probability}}
             for index, (stage, label, closed, probability) in enumerate(p["stages"])]}
        for order, p in enumerate(PIPELINES)]}
