"""/docs: Swagger UI over the app's OpenAPI schema, from assets shipped in a package (fastapi-offline), so the
API's documentation opens with no network at all."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from leadpact.web.deps import Anyone

router = APIRouter()
DOCS_ASSETS = "/static/docs"


def swagger_assets() -> Path:
    """The directory holding swagger-ui-bundle.js and swagger-ui.css (with the package's licence)."""
    return Path(str(files("fastapi_offline") / "static"))


def docs_assets() -> StaticFiles:
    """The Swagger UI assets as static files."""
    return StaticFiles(directory=swagger_assets())


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs(request: Request, _anyone: Anyone) -> HTMLResponse:
    """Swagger UI for the HTTP API, loading nothing from outside this server."""
    app = request.app
    return get_swagger_ui_html(
        openapi_url=app.openapi_url, title=f"{app.title} — API",
        oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
    )


@router.get("/docs/oauth2-redirect", response_class=HTMLResponse, include_in_schema=False)
def oauth2_redirect(_anyone: Anyone) -> HTMLResponse:
    """Swagger UI's OAuth2 redirect page."""
    return get_swagger_ui_oauth2_redirect_html()
