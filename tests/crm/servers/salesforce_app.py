"""A Salesforce REST contract server (REFERENCE.md §3), served over TLS: sObject create/update/upsert/delete,
describe, SOQL query with paging, and sObject Collections (create, update, upsert, delete), answering in the shapes
simple-salesforce reads. A deleted record goes to the recycle bin, and a Lead takes its Notes and Tasks along."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.crm.servers.salesforce_org import SCHEMA, SalesforceFault, SalesforceOrg

BASE = "/services/data/v{version}"
COLLECTION_LIMIT = 200
QUERY_PAGE = 2000
Handler = Callable[[SalesforceOrg, Request, Any], tuple[int, Any]]


def _type(request: Request) -> str:
    sobject = request.path_params["sobject"]
    if sobject not in SCHEMA:
        raise SalesforceFault(404, "NOT_FOUND", f"The requested resource does not exist: {sobject}")
    return sobject


def _body(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SalesforceFault(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of record from the body")
    return body


def create(org: SalesforceOrg, request: Request, body: Any) -> tuple[int, Any]:
    """POST sobjects/{type}/."""
    record = org.insert(_type(request), _body(body))
    return 201, {"id": record["Id"], "success": True, "errors": []}


def record(org: SalesforceOrg, request: Request, body: Any) -> tuple[int, Any]:
    """GET, PATCH or DELETE sobjects/{type}/{id}."""
    sobject = _type(request)
    found = org.records[sobject].get(request.path_params["record_id"])
    if found is None:
        raise SalesforceFault(404, "NOT_FOUND", "The requested resource does not exist")
    if request.method == "DELETE":
        org.delete(found["Id"])
        return 204, None
    if request.method == "GET":
        return 200, {"attributes": {"type": sobject}, **found}
    if sobject == "Lead" and found.get("IsConverted"):
        raise SalesforceFault(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
    org.change(sobject, found, org.clean(sobject, _body(body), creating=False))
    return 204, None


def _upsert(org: SalesforceOrg, sobject: str, field: str, value: str, values: dict[str, Any]) -> tuple[bool, str]:
    if sobject != "Lead" or not SCHEMA["Lead"].get(field, None) or not SCHEMA["Lead"][field].external_id:
        raise SalesforceFault(404, "NOT_FOUND",
                              f"Provided external ID field does not exist or is not accessible: {field}")
    values = dict(values)
    if values.pop(field, value) != value:
        raise SalesforceFault(400, "INVALID_FIELD", f"{field} in the body must match the URL")
    existing = org.by_external_id(value)
    if existing is None:
        return True, org.insert(sobject, {**values, field: value})["Id"]
    if existing.get("IsConverted"):
        raise SalesforceFault(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
    org.change(sobject, existing, org.clean(sobject, values, creating=False))
    return False, existing["Id"]


def upsert(org: SalesforceOrg, request: Request, body: Any) -> tuple[int, Any]:
    """PATCH sobjects/{type}/{externalField}/{value}: 201 when created, 200 when updated (API 46.0+)."""
    created, record_id = _upsert(org, _type(request), request.path_params["field"], request.path_params["value"],
                                 _body(body))
    return (201 if created else 200), {"id": record_id, "success": True, "errors": [], "created": created}


def describe(org: SalesforceOrg, request: Request, body: Any) -> tuple[int, Any]:
    """GET sobjects/{type}/describe."""
    sobject = _type(request)
    return 200, {"name": sobject, "fields": [f.describe(n) for n, f in SCHEMA[sobject].items()]}


def query(org: SalesforceOrg, request: Request, body: Any) -> tuple[int, Any]:
    """GET query/?q=SOQL (pages of 2,000 with nextRecordsUrl) and GET query/{cursor}."""
    cursor = request.path_params.get("cursor")
    if cursor:
        rows, start = org.cursors[cursor.rsplit("-", 1)[0]], int(cursor.rsplit("-", 1)[1])
    else:
        text = request.query_params.get("q")
        if not text:
            raise SalesforceFault(400, "MALFORMED_QUERY", "A query string has to be specified")
        rows, start = org.query(text), 0
    page = rows[start : start + QUERY_PAGE]
    answer: dict[str, Any] = {"totalSize": len(rows), "done": start + QUERY_PAGE >= len(rows), "records": page}
    if not answer["done"]:
        key = f"01g{len(org.cursors):015d}"
        org.cursors[key] = rows
        answer["nextRecordsUrl"] = f"/services/data/v{request.path_params['version']}/query/{key}-{start + QUERY_PAGE}"
    return 200, answer


def collection_delete(org: SalesforceOrg, request: Request) -> tuple[int, Any]:
    """DELETE composite/sobjects?ids=A,B&allOrNone=false: delete up to 200 records of any type, each answered."""
    ids = [i for i in (request.query_params.get("ids") or "").split(",") if i]
    if not ids:
        raise SalesforceFault(400, "MISSING_ARGUMENT", "ids parameter must be specified")
    if len(ids) > COLLECTION_LIMIT:
        raise SalesforceFault(400, "EXCEEDED_ID_LIMIT", f"record limit reached. cannot submit more than "
                                                        f"{COLLECTION_LIMIT} records into this call")
    all_or_none = request.query_params.get("allOrNone", "false").lower() == "true"
    snapshot = json.loads(json.dumps(org.records)), dict(org.recycle_bin)
    results: list[dict[str, Any]] = []
    for record_id in ids:
        try:
            org.delete(record_id)
            results.append({"id": record_id, "success": True, "errors": []})
        except SalesforceFault as fault:
            results.append({"id": record_id, "success": False, "errors": [fault.record_error()]})
    if all_or_none and not all(r["success"] for r in results):
        org.records, org.recycle_bin = snapshot
        rolled = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all "
                  "records were valid and the request was using AllOrNone header", "fields": []}
        results = [r if not r["success"] else {"id": r["id"], "success": False, "errors": [rolled]} for r in results]
    return 200, results


def collection(org: SalesforceOrg, request: Request, body: Any) -> tuple[int, Any]:
    """sObject Collections: POST creates, PATCH updates (records carry `id`), PATCH …/{type}/{field} upserts,
    DELETE deletes by `ids`."""
    if request.method == "DELETE":
        return collection_delete(org, request)
    body = _body(body)
    unknown = set(body) - {"allOrNone", "records"}
    if unknown or not isinstance(body.get("records"), list):
        raise SalesforceFault(400, "JSON_PARSER_ERROR", f"expected allOrNone and records, got {sorted(body)}")
    records = body["records"]
    if len(records) > COLLECTION_LIMIT:
        raise SalesforceFault(400, "EXCEEDED_ID_LIMIT", f"record limit reached. cannot submit more than "
                                                        f"{COLLECTION_LIMIT} records into this call")
    all_or_none = bool(body.get("allOrNone"))
    snapshot = json.loads(json.dumps(org.records))  # allOrNone rolls every record back on any failure
    results: list[dict[str, Any]] = []
    for item in records:
        try:
            results.append(_collection_item(org, request, item))
        except SalesforceFault as fault:
            results.append({"success": False, "errors": [fault.record_error()]})
    if all_or_none and not all(r["success"] for r in results):
        org.records = snapshot
        rolled = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK", "message": "Record rolled back because not all "
                  "records were valid and the request was using AllOrNone header", "fields": []}
        results = [r if not r["success"] else {"id": None, "success": False, "errors": [rolled]} for r in results]
    return 200, results


def _collection_item(org: SalesforceOrg, request: Request, item: Any) -> dict[str, Any]:
    item = dict(_body(item))
    attributes = item.pop("attributes", None)
    if not isinstance(attributes, dict) or attributes.get("type") not in SCHEMA:
        raise SalesforceFault(400, "INVALID_TYPE", "Each record needs attributes.type naming an sObject")
    sobject = attributes["type"]
    if request.method == "POST":
        return {"id": org.insert(sobject, item)["Id"], "success": True, "errors": []}
    field = request.path_params.get("field")
    if field:
        if sobject != request.path_params["sobject"]:
            raise SalesforceFault(400, "INVALID_TYPE",
                                  f"record type {sobject} in a {request.path_params['sobject']} upsert")
        created, record_id = _upsert(org, sobject, field, str(item.get(field) or ""), item)
        return {"id": record_id, "success": True, "errors": [], "created": created}
    record_id = item.pop("id", None) or item.pop("Id", None)
    found = org.records[sobject].get(record_id or "")
    if found is None:
        raise SalesforceFault(404, "ENTITY_IS_DELETED", "entity is deleted")
    if sobject == "Lead" and found.get("IsConverted"):
        raise SalesforceFault(400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead")
    org.change(sobject, found, org.clean(sobject, item, creating=False))
    return {"id": record_id, "success": True, "errors": []}


def handler(work: Handler) -> Callable[[Request], Any]:
    """Wrap an endpoint: bearer auth, API version, injected failures, JSON body, error shapes, usage header."""
    async def endpoint(request: Request) -> Response:
        org: SalesforceOrg = request.app.state.org
        status, answer = 500, None
        try:
            if request.headers.get("authorization") != f"Bearer {org.token}":
                raise SalesforceFault(401, "INVALID_SESSION_ID", "Session expired or invalid")
            if request.path_params.get("version") not in ("58.0", "59.0", "60.0"):
                raise SalesforceFault(404, "NOT_FOUND", "The requested resource does not exist")
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                raise SalesforceFault(400, "JSON_PARSER_ERROR", "Unexpected character in the request body") from None
            with org.lock:
                for index, (failing, code) in enumerate(org.failures):
                    if request.url.path.endswith(failing):
                        del org.failures[index]
                        raise SalesforceFault(code, "SERVER_UNAVAILABLE" if code >= 500 else "REQUEST_LIMIT_EXCEEDED",
                                              "injected failure")
                org.api_usage += 1
                status, answer = work(org, request, body)
        except SalesforceFault as fault:
            status, answer = fault.status, fault.body()
        org.log.append((request.method, request.url.path, status))
        if org.stalls.get(request.url.path) and status < 300:
            await asyncio.sleep(org.stalls[request.url.path])
        headers = {"Sforce-Limit-Info": f"api-usage={org.api_usage}/15000"}
        if status == 204:
            return Response(status_code=204, headers=headers)
        return JSONResponse(answer, status_code=status, headers=headers)

    return endpoint


def create_app(org: SalesforceOrg) -> Starlette:
    """The contract server over `org`."""
    base = "/services/data/v{version}"
    routes = [
        Route(base + "/query/", handler(query), methods=["GET"]),
        Route(base + "/query/{cursor}", handler(query), methods=["GET"]),
        Route(base + "/composite/sobjects", handler(collection), methods=["POST", "PATCH", "DELETE"]),
        Route(base + "/composite/sobjects/{sobject}/{field}", handler(collection), methods=["PATCH"]),
        Route(base + "/sobjects/{sobject}/", handler(create), methods=["POST"]),
        Route(base + "/sobjects/{sobject}/describe", handler(describe), methods=["GET"]),
        Route(base + "/sobjects/{sobject}/describe/", handler(describe), methods=["GET"]),
        Route(base + "/sobjects/{sobject}/{record_id}", handler(record), methods=["GET", "PATCH", "DELETE"]),
        Route(base + "/sobjects/{sobject}/{field}/{value}", handler(upsert), methods=["PATCH"]),
    ]
    app = Starlette(routes=routes)
    app.state.org = org
    return app
