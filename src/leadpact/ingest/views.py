"""The Segment-compatible tracking API: /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/group, /v1/alias."""

from __future__ import annotations

import asyncio
import base64
import gzip
import time
import zlib
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from leadpact.clock import get_clock
from leadpact.config import get_settings
from leadpact.db import get_engine, session_scope
from leadpact.ingest.service import IngestResult, Rejected, parse_batch, prepare_rows
from leadpact.ingest.writer import writer_for
from leadpact.keys.service import find_key
from leadpact.telemetry import observe_ingest

router = APIRouter(tags=["tracking"])
SINGLE_TYPES = ("track", "identify", "page", "screen", "group", "alias")


class BadRequest(Exception):
    """A request refused whole, with its status and the reason in words."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _error(status: int, message: str) -> Response:
    return _json(status, {"success": False, "error": message})


async def _read_body(request: Request) -> bytes:
    settings = get_settings()
    limit = settings.max_batch_bytes
    body = await request.body()
    if len(body) > limit:
        raise BadRequest(413, f"request body is {len(body)} bytes; the limit is {limit} bytes (500 KB)")
    encoding = request.headers.get("content-encoding", "").lower()
    if encoding in ("gzip", "deflate"):
        try:
            # Decompress at most one byte past the limit so a small bomb cannot fill memory.
            decoder = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
            body = decoder.decompress(body, limit + 1)
        except (zlib.error, gzip.BadGzipFile) as error:
            raise BadRequest(400, f"body is not valid {encoding}: {error}") from None
        if len(body) > limit:
            raise BadRequest(413, f"decompressed body exceeds the limit of {limit} bytes (500 KB)")
    elif encoding not in ("", "identity"):
        raise BadRequest(400, f"unsupported Content-Encoding {encoding!r}; send gzip, deflate or none")
    return body


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise BadRequest(400, f"invalid JSON: {error}") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "the body must be a JSON object")
    return data


def _write_key(request: Request, data: dict[str, Any]) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(401, "Authorization header is not valid Basic credentials") from None
        username = decoded.split(":", 1)[0]
        if username:
            return username
    key = data.get("writeKey")
    if isinstance(key, str) and key:
        return key
    raise BadRequest(401, "missing write key: send it as the Basic auth username or as writeKey in the body")


# Write key → (key id, when it was last found live). A key revoked by another process stops working here within
# KEY_TTL seconds: every request of a sender carries the same key, and asking the database each time cost more.
_key_cache: dict[str, tuple[int, float]] = {}
KEY_TTL = 30.0


def _cached_key(secret: str) -> int | None:
    entry = _key_cache.get(secret)
    return entry[0] if entry is not None and time.monotonic() - entry[1] < KEY_TTL else None


def _authenticate(secret: str) -> int:
    """Return the key id for a live write key, or raise BadRequest saying why it is refused."""
    with session_scope() as session:
        key = find_key(session=session, secret=secret)
        if key is None:
            _key_cache.pop(secret, None)
            raise BadRequest(401, "invalid write key: no live key matches it")
        if key.scope not in ("ingest", "admin"):
            raise BadRequest(403, f"a {key.scope} key cannot send events; use a write key (scope ingest)")
        _key_cache[secret] = (key.id, time.monotonic())
        return key.id


def forget_keys() -> None:
    """Drop cached write keys (after a revocation)."""
    _key_cache.clear()


async def _ingest(raws: list[Any], data: dict[str, Any], key_id: int, endpoint_type: str | None) -> IngestResult:
    now = get_clock().now()
    context = data.get("context") if endpoint_type is None and isinstance(data.get("context"), dict) else None
    messages, rejected = parse_batch(
        raws,
        received_at=now,
        endpoint_type=endpoint_type,
        batch_context=context,
        batch_sent_at=data.get("sentAt") if endpoint_type is None else None,
    )
    engine = get_engine()
    for message in messages:
        message.write_key_id = key_id
    prepare_rows(messages, engine.dialect)
    result = (
        await asyncio.wrap_future(writer_for(engine).submit(messages, now=now)) if messages else IngestResult()
    )
    result.rejected = rejected
    return result


async def _handle(request: Request, endpoint_type: str | None) -> Response:
    try:
        data = _parse_json(await _read_body(request))
        secret = _write_key(request, data)
        # A key found live recently is a dictionary lookup; otherwise the database is asked, off the event loop.
        key_id = _cached_key(secret) or await run_in_threadpool(_authenticate, secret)
        if endpoint_type is None:
            raws = data.get("batch")
            if not isinstance(raws, list):
                raise BadRequest(400, "batch must be an array of messages")
            limit = get_settings().max_batch_messages
            if len(raws) > limit:
                raise BadRequest(400, f"batch has {len(raws)} messages; at most {limit} are allowed")
        else:
            raws = [{k: v for k, v in data.items() if k != "writeKey"}]
    except BadRequest as error:
        observe_ingest(stored=0, duplicates=0, rejected=[error.message])
        return _error(error.status, error.message)
    result = await _ingest(raws, data, key_id, endpoint_type)
    observe_ingest(stored=result.stored, duplicates=result.duplicates, rejected=[r.reason for r in result.rejected])
    if endpoint_type is not None and result.rejected:
        return _error(400, result.rejected[0].reason)
    return _json(200, result.to_dict())


@router.post("/v1/batch")
async def batch(request: Request) -> Response:
    """Store a batch of Segment messages; invalid ones are reported, valid ones stored."""
    return await _handle(request, None)


def _single(kind: str) -> Any:
    async def endpoint(request: Request) -> Response:
        return await _handle(request, kind)

    endpoint.__name__ = kind
    endpoint.__doc__ = f"Store one Segment {kind} message."
    return endpoint


for _kind in SINGLE_TYPES:
    router.add_api_route(f"/v1/{_kind}", _single(_kind), methods=["POST"], name=_kind)

__all__ = ["Rejected", "forget_keys", "router"]
