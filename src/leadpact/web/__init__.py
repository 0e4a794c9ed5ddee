"""The web app (SPEC §12): server-rendered pages for reps, managers, marketing and admins, on the same services and
access rules as the API; static files and the API's documentation served from the package, nothing from a CDN.

`install_web(app)` adds it to the application (app.py calls it once)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount

from leadpact.access import declare, rules
from leadpact.web.views import admin, docs, insights, pacts, people, privacy, session, team, work

STATIC = Path(__file__).parent / "static"
PAGE_MODULES = (session, work, team, people, insights, pacts, admin, privacy, docs)


def web_router() -> APIRouter:
    """Every page of the web app."""
    router = APIRouter(include_in_schema=False)
    for module in PAGE_MODULES:
        router.include_router(module.router)
    return router


def wants_a_page(request: Request) -> bool:
    """Whether the request is a browser's for a page (not the JSON API's, nor a script's asking for JSON)."""
    path = request.url.path
    return not path.startswith(("/api/", "/v1/")) and "text/html" in request.headers.get("accept", "")


async def refusal(request: Request, error: Exception) -> Response:
    """A browser asking for a page gets the sign-in page when not signed in and a page saying why when refused;
    everything else keeps FastAPI's JSON error."""
    assert isinstance(error, StarletteHTTPException)
    if wants_a_page(request) and error.status_code == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={target}" if request.method == "GET" else "/sign-in",
                                status_code=303)
    if wants_a_page(request) and error.status_code in (403, 404):
        from leadpact.web.templating import page

        return page(request, "refused.html", principal=None, status_code=error.status_code,
                    code=error.status_code, message=str(error.detail), notice="")
    return await http_exception_handler(request, error)  # type: ignore[arg-type]


async def unreadable(request: Request, error: Exception) -> Response:
    """A browser's address that does not parse (/handoffs/abc) is a page that does not exist; the API keeps its
    JSON answer."""
    assert isinstance(error, RequestValidationError)
    if wants_a_page(request):
        from leadpact.web.templating import page

        return page(request, "refused.html", principal=None, status_code=404, code=404, notice="",
                    message=f"There is no page at {request.url.path}.")
    return await request_validation_exception_handler(request, error)


def install_web(app: FastAPI) -> None:
    """Add the pages, the static files (open to everyone) and the offline /docs to `app`; a browser's refusals
    become pages. Build the app with docs_url=None: FastAPI's own docs load Swagger UI from a CDN."""
    app.include_router(web_router())
    for path, files, name in ((docs.DOCS_ASSETS, docs.docs_assets(), "docs-assets"),
                              ("/static", StaticFiles(directory=STATIC), "static")):
        mount = Mount(path, app=files, name=name)
        declare(mount, rules.PUBLIC)
        app.router.routes.append(mount)
    app.add_exception_handler(StarletteHTTPException, refusal)
    app.add_exception_handler(RequestValidationError, unreadable)


__all__ = ["install_web", "web_router"]
