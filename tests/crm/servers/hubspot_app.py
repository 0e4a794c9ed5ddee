"""A HubSpot CRM v3 contract server: only the endpoints leadpact uses, validated as REFERENCE.md §2 describes,
answering in the shapes the official `hubspot-api-client` deserialises, with HubSpot's rate limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.crm.servers.hubspot_portal import HubSpotPortal, Record, iso
from tests.crm.servers.hubspot_schema import SCHEMA, TO_CONTACT, HubSpotError, parse_datetime, require_keys
from tests.crm.servers.hubspot_search import search
from tests.crm.servers.hubspot_setup import object_type, owner, owners, pipelines, properties

BATCH_LIMIT = 100
DEFAULTS = {"contacts": ["createdate", "lastmodifieddate", "hs_object_id"]}
Handler = Callable[[HubSpotPortal, Request, Any], tuple[int, Any]]


def record_json(record: Record, properties: list[str] | None = None, history: list[str] | None = None) -> dict:
    """An object as HubSpot answers it: id, properties, createdAt, updatedAt, archived (and history when asked)."""
    defaults = DEFAULTS.get(record.type, ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"])
    names = list(record.properties) if properties is None else [*properties, *defaults]
    values = {n: record.properties.get(n) for n in names if n in record.properties}
    values["hs_object_id"] = record.id
    body: dict[str, Any] = {"id": record.id, "properties": values, "createdAt": iso(record.created_at),
                            "updatedAt": iso(record.updated_at), "archived": False}
    if history:
        body["propertiesWithHistory"] = {
            name: [{"value": v, "timestamp": iso(at), "sourceType": "API"} for v, at in record.history.get(name, [])]
            for name in history}
    return body


def batch(results: list[Any], errors: list[dict[str, Any]] | None = None, status: int = 200) -> tuple[int, Any]:
    """A batch answer; 207 with `errors` when some inputs failed."""
    now = iso(datetime.now(UTC))
    body: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
    if errors:
        return 207, body | {"errors": errors, "numErrors": len(errors)}
    return status, body


def not_found(object_type: str, ids: list[str]) -> dict[str, Any]:
    """HubSpot's batch error entry for ids it could not find."""
    return {"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": ids}, "links": {}, "errors": [],
            "message": f"Could not get some {object_type.upper().rstrip('S')} objects, they may be deleted or not "
                       "exist. Check that ids are valid."}


def inputs(body: Any, allowed_items: set[str], required_items: set[str]) -> list[dict[str, Any]]:
    """The `inputs` of a batch body, each checked; at most 100."""
    require_keys(body, {"inputs"}, {"inputs"}, "batch input")
    items = body["inputs"]
    if not isinstance(items, list):
        raise HubSpotError(400, "Invalid input JSON: inputs must be an array", "VALIDATION_ERROR")
    if len(items) > BATCH_LIMIT:
        raise HubSpotError(400, f"Batch input of {len(items)} exceeds the limit of {BATCH_LIMIT}", "VALIDATION_ERROR")
    return [require_keys(item, allowed_items, required_items, "input") for item in items]


def _associations(portal: HubSpotPortal, kind: str, given: Any) -> list[str]:
    """Validate a create's associations (to a contact, with the right HUBSPOT_DEFINED type); return contact ids."""
    contacts = []
    for association in given or []:
        require_keys(association, {"to", "types"}, {"to", "types"}, "association")
        to = require_keys(association["to"], {"id"}, {"id"}, "association.to")
        for spec in association["types"]:
            require_keys(spec, {"associationCategory", "associationTypeId"},
                         {"associationCategory", "associationTypeId"}, "association type")
            if spec["associationCategory"] != "HUBSPOT_DEFINED" or spec["associationTypeId"] != TO_CONTACT.get(kind):
                raise HubSpotError(400, f"invalid association type {spec['associationTypeId']} from {kind} to "
                                        f"contacts (expected {TO_CONTACT.get(kind)})", "VALIDATION_ERROR")
        if str(to["id"]) not in portal.objects["contacts"]:
            raise HubSpotError(400, f"contact {to['id']} does not exist", "VALIDATION_ERROR")
        contacts.append(str(to["id"]))
    return contacts


def _create_all(portal: HubSpotPortal, kind: str, items: list[dict[str, Any]]) -> list[Record]:
    """Create objects all-or-nothing: everything is validated (and emails checked) before anything is stored."""
    prepared = [(portal.validate(kind, i.get("properties"), creating=True),
                 _associations(portal, kind, i.get("associations"))) for i in items]
    if kind == "contacts":
        emails: set[str] = set()
        for values, _links in prepared:
            existing = portal.email_owner(values.get("email"))
            if existing is not None:
                raise HubSpotError(409, f"Contact already exists. Existing ID: {existing.id}", "CONFLICT")
            if values.get("email") in emails:
                raise HubSpotError(400, f"Duplicate email {values['email']} in the batch", "VALIDATION_ERROR")
            emails.add(values.get("email") or "")
    records = []
    for values, links in prepared:
        record = portal.create(kind, values)
        for contact_id in links:
            portal.link(kind, record.id, contact_id)
        records.append(record)
    return records


def create_one(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """POST /crm/v3/objects/{type}."""
    kind = object_type(request)
    item = require_keys(body, {"properties", "associations"}, {"properties"}, "object input")
    return 201, record_json(_create_all(portal, kind, [item])[0])


def batch_create(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """POST /crm/v3/objects/{type}/batch/create."""
    kind = object_type(request)
    items = inputs(body, {"properties", "associations", "objectWriteTraceId"}, {"properties"})
    return batch([record_json(r) for r in _create_all(portal, kind, items)], status=201)


def batch_read(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """POST /crm/v3/objects/{type}/batch/read (by id, or by the unique `email` with idProperty)."""
    kind = object_type(request)
    require_keys(body, {"inputs", "properties", "propertiesWithHistory", "idProperty", "archived"},
                 {"inputs", "properties"}, "batch read input")
    items = inputs({"inputs": body["inputs"]}, {"id"}, {"id"})
    id_property = body.get("idProperty")
    if id_property not in (None, "hs_object_id") and not (kind == "contacts" and id_property == "email"):
        raise HubSpotError(400, f"{id_property} is not a unique property of {kind}", "VALIDATION_ERROR")
    found, missing = [], []
    for item in items:
        key = str(item["id"])
        # Reads by a unique property go through the search index, which lags just after a create.
        record = portal.email_owner(key, visible_only=True) if id_property == "email" else \
            portal.objects[kind].get(key)
        if record is None:
            missing.append(key)
        else:
            found.append(record_json(record, body["properties"], body.get("propertiesWithHistory")))
    return batch(found, [not_found(kind, missing)] if missing else None)


def _update(portal: HubSpotPortal, kind: str, record: Record, values: dict[str, Any]) -> None:
    if kind == "contacts" and values.get("email"):
        other = portal.email_owner(values["email"])
        if other is not None and other.id != record.id:
            raise HubSpotError(409, f"Contact already exists. Existing ID: {other.id}", "CONFLICT")
    portal.write(record, values)


def batch_update(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """POST /crm/v3/objects/{type}/batch/update (ids not found are reported, the rest updated)."""
    kind = object_type(request)
    items = inputs(body, {"id", "properties", "idProperty", "objectWriteTraceId"}, {"id", "properties"})
    checked = [(str(i["id"]), portal.validate(kind, i["properties"], creating=False)) for i in items]
    updated, missing = [], []
    for object_id, values in checked:
        record = portal.objects[kind].get(object_id)
        if record is None:
            missing.append(object_id)
            continue
        _update(portal, kind, record, values)
        updated.append(record_json(record))
    return batch(updated, [not_found(kind, missing)] if missing else None)


def update_one(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """PATCH /crm/v3/objects/{type}/{id}."""
    kind = object_type(request)
    require_keys(body, {"properties"}, {"properties"}, "object input")
    record = portal.objects[kind].get(request.path_params["object_id"])
    if record is None:
        raise HubSpotError(404, "resource not found", "OBJECT_NOT_FOUND")
    _update(portal, kind, record, portal.validate(kind, body["properties"], creating=False))
    return 200, record_json(record)


def batch_archive(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """POST /crm/v3/objects/{type}/batch/archive: 204; ids the portal does not have are ignored, as HubSpot does."""
    kind = object_type(request)
    for item in inputs(body, {"id"}, {"id"}):
        if str(item["id"]) in portal.objects[kind]:
            portal.remove(kind, str(item["id"]))
            portal.archived.append((kind, str(item["id"])))
    return 204, None


def gdpr_delete(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """POST /crm/v3/objects/contacts/gdpr-delete {objectId, idProperty?}: permanently delete the contact and its
    associations (204); by email, an address with no contact is blocklisted instead; by id, none is a 404."""
    item = require_keys(body, {"objectId", "idProperty"}, {"objectId"}, "GDPR delete input")
    object_id, id_property = str(item["objectId"]), item.get("idProperty")
    if id_property not in (None, "hs_object_id", "email"):
        raise HubSpotError(400, f"{id_property} is not a unique property of contacts", "VALIDATION_ERROR")
    record = portal.email_owner(object_id) if id_property == "email" else portal.objects["contacts"].get(object_id)
    if record is None:
        if id_property != "email":
            raise HubSpotError(404, "resource not found", "OBJECT_NOT_FOUND")
        portal.blocklist.add(object_id.lower())
        return 204, None
    portal.remove("contacts", record.id)
    portal.purged.append(record.id)
    return 204, None


def get_one(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """GET /crm/v3/objects/{type}/{id}."""
    kind = object_type(request)
    record = portal.objects[kind].get(request.path_params["object_id"])
    if record is None:
        raise HubSpotError(404, "resource not found", "OBJECT_NOT_FOUND")
    wanted = request.query_params.get("properties")
    return 200, record_json(record, wanted.split(",") if wanted else [])


def do_search(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """POST /crm/v3/objects/{type}/search."""
    kind = object_type(request)
    return 200, search(portal, kind, body, record_json)


def associations_read(portal: HubSpotPortal, request: Request, body: Any) -> tuple[int, Any]:
    """POST /crm/v4/associations/{from}/{to}/batch/read."""
    from_type, to_type = request.path_params["from_type"], request.path_params["to_type"]
    if from_type not in SCHEMA or to_type not in SCHEMA:
        raise HubSpotError(400, f"Unknown object type {from_type} or {to_type}", "VALIDATION_ERROR")
    items = inputs(body, {"id", "after"}, {"id"}) if len(body.get("inputs", [])) <= BATCH_LIMIT else \
        [require_keys(i, {"id", "after"}, {"id"}, "input") for i in body["inputs"][:1000]]
    results, empty = [], []
    for item in items:
        linked = portal.associated(from_type, str(item["id"]), to_type)
        if not linked:
            empty.append(str(item["id"]))
            continue
        results.append({"from": {"id": str(item["id"])}, "to": [
            {"toObjectId": int(t), "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": k, "label": None}]}
            for t, k in linked]})
    errors = [{"status": "error", "category": "OBJECT_NOT_FOUND",
               "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
               "message": f"No {to_type} is associated with {from_type} {i}.", "context": {"fromObjectId": [i]},
               "links": {}, "errors": []} for i in empty]
    return batch(results, errors)


def handler(work: Handler) -> Callable[[Request], Any]:
    """Wrap an endpoint: auth, rate limits, injected failures, JSON parsing, HubSpot error shapes, stalls."""
    async def endpoint(request: Request) -> Response:
        portal: HubSpotPortal = request.app.state.portal
        path = request.url.path
        status, answer, headers = 500, {}, {}
        try:
            if request.headers.get("authorization") != f"Bearer {portal.token}":
                raise HubSpotError(401, "Authentication credentials not found. This API supports OAuth 2.0 "
                                        "authentication and you can find more details at https://developers.hubspot.com",
                                   "INVALID_AUTHENTICATION")
            refusal, headers = portal.admit()
            if refusal:
                raise refusal
            with portal.lock:
                for index, (failing, code) in enumerate(portal.failures):
                    if path == failing:
                        del portal.failures[index]
                        raise HubSpotError(code, "internal error", "INTERNAL_ERROR")
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                raise HubSpotError(400, "Invalid input JSON on line 1", "VALIDATION_ERROR") from None
            with portal.lock:
                status, answer = work(portal, request, body)
        except HubSpotError as error:
            status, answer = error.status, error.body()
        portal.log.append((request.method, path, status))
        stall = portal.stalls.get(path)
        if stall and status < 300:
            await asyncio.sleep(stall)  # the work is done; the answer is late (a client may die waiting)
        if status == 204:
            return Response(status_code=204, headers=headers)
        return JSONResponse(answer, status_code=status, headers=headers)

    return endpoint


def create_app(portal: HubSpotPortal) -> Starlette:
    """The contract server over `portal`."""
    objects = "/crm/v3/objects/{object_type}"
    routes = [
        Route("/crm/v3/owners/", handler(owners), methods=["GET"]),
        Route("/crm/v3/owners/{owner_id}", handler(owner), methods=["GET"]),
        Route("/crm/v3/properties/{object_type}", handler(properties), methods=["GET", "POST"]),
        Route("/crm/v3/pipelines/{object_type}", handler(pipelines), methods=["GET"]),
        Route("/crm/v3/objects/contacts/gdpr-delete", handler(gdpr_delete), methods=["POST"]),
        Route(objects, handler(create_one), methods=["POST"]),
        Route(objects + "/search", handler(do_search), methods=["POST"]),
        Route(objects + "/batch/create", handler(batch_create), methods=["POST"]),
        Route(objects + "/batch/read", handler(batch_read), methods=["POST"]),
        Route(objects + "/batch/update", handler(batch_update), methods=["POST"]),
        Route(objects + "/batch/archive", handler(batch_archive), methods=["POST"]),
        Route(objects + "/{object_id}", handler(get_one), methods=["GET"]),
        Route(objects + "/{object_id}", handler(update_one), methods=["PATCH"]),
        Route("/crm/v4/associations/{from_type}/{to_type}/batch/read", handler(associations_read), methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.portal = portal
    return app


__all__ = ["HubSpotPortal", "create_app", "parse_datetime"]
