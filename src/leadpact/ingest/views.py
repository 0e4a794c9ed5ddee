"""The Segment-compatible tracking API: /v1/batch, /v1/track, /v1/identify, /v1/page, /v1/group, /v1/alias."""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
import zlib
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from leadpact.clock import get_clock
from leadpact.config import get_settings
from leadpact.db import get_engine, is_outage, session_scope
from leadpact.ingest.ratelimit import budget_for
from leadpact.ingest.service import IngestResult, Rejected, parse_batch, prepare_rows
from leadpact.ingest.writer import writer_for
from leadpact.keys.service import find_key
from leadpact.telemetry import observe_ingest

router = APIRouter(tags=["tracking"])
SINGLE_TYPES = ("track", "identify", "page", "screen", "group", "alias")
log = logging.getLogger(__name__)


class BadRequest(Exception):
    """A request refused whole, with its status, a short code and the reason in words."""

    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


def _error(error: BadRequest) -> Response:
    # Segment's shape (`code`, `message`: what its and RudderStack's clients read) beside leadpact's own `error`.
    body = {"success": False, "code": error.code, "message": error.message, "error": error.message}
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return _json(error.status, body, headers)


def _too_large(size: int | str, limit: int) -> BadRequest:
    return BadRequest(413, "request_too_large", f"request body is {size} bytes; the limit is {limit} bytes (500 KB)")


async def _read_body(request: Request) -> bytes:
    """The body, refused by its declared length or as soon as it grows past the limit (never held whole), and
    decompressed no further than the limit."""
    limit = get_settings().max_batch_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BadRequest(400, "invalid_request", f"Content-Length {declared!r} is not a number of bytes")
        if int(declared) > limit:
            raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            # Stop reading: the server discards the rest of this body rather than holding it.
            raise _too_large(f"more than {limit}", limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "").lower()
    if encoding in ("gzip", "deflate"):
        try:
            # Decompress at most one byte past the limit so a small bomb cannot fill memory.
            decoder = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
            body = decoder.decompress(body, limit + 1)
        except zlib.error as error:
            raise BadRequest(400, "invalid_encoding", f"body is not valid {encoding}: {error}") from None
        if len(body) > limit:
            raise BadRequest(
                413, "request_too_large", f"decompressed body exceeds the limit of {limit} bytes (500 KB)"
            )
    elif encoding not in ("", "identity"):
        raise BadRequest(
            400, "invalid_encoding", f"unsupported Content-Encoding {encoding!r}; send gzip, deflate or none"
        )
    return body


# In JSON text: a surrogate pair (kept), a lone surrogate (replaced), or an escaped backslash (skipped whole, so
# that `\\ud83d`, a backslash followed by the letters, is left alone).
_SURROGATES = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\\\"
)


def _lone_surrogate(match: re.Match[str]) -> str:
    text = match.group()
    return "\\ufffd" if len(text) == 6 else text


def _parse_json(body: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        # What Segment stores for text that is not Unicode (invalid UTF-8, half an emoji's surrogate pair):
        # U+FFFD in its place. Anything else wrong with the JSON still refuses the request.
        repaired = _SURROGATES.sub(_lone_surrogate, body.decode("utf-8", errors="replace"))
        try:
            data = orjson.loads(repaired.encode())
        except orjson.JSONDecodeError:
            reason = str(error)
            if "depth limit" in reason:
                reason = f"objects and arrays nested deeper than 1,024 levels ({reason})"
            raise BadRequest(400, "invalid_json", f"invalid JSON: {reason}") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "invalid_json", "the body must be a JSON object")
    return data


def _header_key(request: Request) -> str | None:
    """The write key sent as the Basic auth username, or None when the header carries none."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(401, "unauthorized", "Authorization header is not valid Basic credentials") from None
    return decoded.split(":", 1)[0] or None


def _body_key(data: dict[str, Any]) -> str:
    key = data.get("writeKey")
    if isinstance(key, str) and key:
        return key
    raise BadRequest(
        401, "unauthorized", "missing write key: send it as the Basic auth username or as writeKey in the body"
    )


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
            raise BadRequest(401, "unauthorized", "invalid write key: no live key matches it")
        if key.scope not in ("ingest", "admin"):
            raise BadRequest(
                403, "forbidden", f"a {key.scope} key cannot send events; use a write key (scope ingest)"
            )
        _key_cache[secret] = (key.id, time.monotonic())
        return key.id


def forget_keys() -> None:
    """Drop cached write keys (after a revocation)."""
    _key_cache.clear()


async def _key_id(secret: str) -> int:
    # A key found live recently is a dictionary lookup; otherwise the database is asked, off the event loop.
    return _cached_key(secret) or await run_in_threadpool(_authenticate, secret)


def _spend(key_id: int, messages: int | None) -> None:
    """Charge the key's budget `messages` (or, with None, only check some is left); refuse with 429 past it."""
    budget = budget_for(get_settings())
    if budget is None:
        return
    wait = budget.exhausted(key_id) if messages is None else budget.refuse(key_id, messages)
    if wait is not None:
        raise BadRequest(
            429, "rate_limited", f"this write key is over its rate limit; retry in {wait} s", retry_after=wait
        )


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
    # Refused while parsing, and (rarely) while storing: reported in the order the request holds them.
    result.rejected = sorted([*rejected, *result.rejected], key=lambda r: r.index)
    return result


async def _handle(request: Request, endpoint_type: str | None) -> Response:
    try:
        # The key first when the header carries it: a stranger's body is never read.
        secret = _header_key(request)
        key_id = await _key_id(secret) if secret else None
        if key_id is not None:
            _spend(key_id, None)
        data = _parse_json(await _read_body(request))
        if key_id is None:
            key_id = await _key_id(_body_key(data))
        if endpoint_type is None:
            raws = data.get("batch")
            if not isinstance(raws, list):
                raise BadRequest(400, "invalid_request", "batch must be an array of messages")
            limit = get_settings().max_batch_messages
            if len(raws) > limit:
                raise BadRequest(
                    400, "invalid_request", f"batch has {len(raws)} messages; at most {limit} are allowed"
                )
        else:
            raws = [{k: v for k, v in data.items() if k != "writeKey"}]
        _spend(key_id, len(raws))
        result = await _ingest(raws, data, key_id, endpoint_type)
    except BadRequest as error:
        observe_ingest(stored=0, duplicates=0, rejected=[error.message])
        return _error(error)
    except Exception as error:
        if not is_outage(error):
            raise
        # The database is away or busy: nothing of this request is lost if the sender tries again (messageIds).
        log.warning("tracking request refused while the database is unavailable: %s", error)
        return _error(BadRequest(503, "unavailable", "the database is unavailable; retry shortly", retry_after=1))
    observe_ingest(stored=result.stored, duplicates=result.duplicates, rejected=[r.reason for r in result.rejected])
    if endpoint_type is not None and result.rejected:
        return _error(BadRequest(400, "invalid_message", result.rejected[0].reason))
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
