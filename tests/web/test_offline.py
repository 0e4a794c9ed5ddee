"""Everything the pages load comes from this server: /docs with Swagger UI's shipped assets, the app's own
stylesheet and script; nothing from a CDN."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from leadpact.app import create_app

OUTSIDE = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.IGNORECASE)


def test_docs_load_swagger_ui_from_this_server(database_url: str) -> None:
    client = TestClient(create_app())
    page = client.get("/docs")
    assert page.status_code == 200
    assert not OUTSIDE.search(page.text), "the docs page loads something from another site"
    assets = re.findall(r"""(?:src|href)=["'](/[^"']+)["']""", page.text)
    assert {"/static/docs/swagger-ui-bundle.js", "/static/docs/swagger-ui.css"} <= set(assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 1000, asset
    assert "SwaggerUIBundle" in client.get("/static/docs/swagger-ui-bundle.js").text
    assert client.get("/openapi.json").json()["paths"]


def test_the_app_ships_its_own_stylesheet_and_script(database_url: str) -> None:
    client = TestClient(create_app())
    for asset, words in (("/static/app.css", "--accent"), ("/static/app.js", "data-deadline")):
        response = client.get(asset)
        assert response.status_code == 200 and words in response.text
