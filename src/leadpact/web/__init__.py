"""The web app (SPEC §12): server-rendered pages for reps, managers, marketing and admins, on the same services as
the CLI and the API; static files and the API's documentation served from the package, nothing from a CDN.

`install_web(app)` adds it to the application (app.py calls it once)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from leadpact.web.views import admin, docs, home, insights, pacts, people, team, work

STATIC = Path(__file__).parent / "static"


def web_router() -> APIRouter:
    """Every page of the web app."""
    router = APIRouter(include_in_schema=False)
    for module in (home, work, team, people, insights, pacts, admin, docs):
        router.include_router(module.router)
    return router


def install_web(app: FastAPI) -> None:
    """Add the pages, the static files and the offline /docs to `app`, replacing FastAPI's own documentation
    pages, which load Swagger UI and ReDoc from a CDN."""
    cdn_pages = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in cdn_pages]
    app.include_router(web_router())
    app.mount(docs.DOCS_ASSETS, docs.docs_assets(), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


__all__ = ["install_web", "web_router"]
