"""A route class that gives every error as `{"detail": "..."}` in words, request validation included."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel


def describe_errors(errors: Sequence[Any]) -> str:
    """Return FastAPI's validation errors as one sentence: `body.source: field required; ...`."""
    parts = []
    for error in errors:
        place = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{place}: {str(error.get('msg', 'invalid')).lower()}" if place else str(error.get("msg")))
    return "; ".join(parts) or "invalid request"


class ApiRoute(APIRoute):
    """An APIRoute whose request-validation errors read `{"detail": "query.from: field required"}`; the app's
    handler is left alone so other routers keep their own error shapes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Return the handler, wrapped to word request-validation errors."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                return JSONResponse({"detail": describe_errors(error.errors())}, status_code=422)

        return handle


def api_router(*, prefix: str, tags: list[str]) -> APIRouter:
    """Return a router under /api/v1 whose routes use ApiRoute."""
    return APIRouter(prefix=f"/api/v1{prefix}", tags=tags, route_class=ApiRoute)


class ErrorDetail(BaseModel):
    """What went wrong, in words."""

    detail: str


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Return OpenAPI `responses` documenting these status codes as `{"detail": "..."}`."""
    words = {401: "No API key, or one that is unknown or revoked", 403: "The key's scope does not allow this",
             404: "No such pact version", 409: "The version's state or the user's role does not allow this",
             422: "The request or the pact in it is invalid"}
    return {code: {"model": ErrorDetail, "description": words.get(code, "Refused")} for code in codes}
