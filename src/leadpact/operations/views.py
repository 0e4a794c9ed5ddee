"""The operator's routes: `/healthz` (the process is up), `/readyz` (the database answers and its migrations are
current) and `/metrics` (Prometheus). None needs a key: a load balancer and a scraper call them."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from leadpact.db import get_engine
from leadpact.operations.health import Readiness, check_readiness
from leadpact.operations.metrics import render_metrics

router = APIRouter(tags=["operations"])
# A database that does not answer within this long is as good as down for a readiness probe.
READY_TIMEOUT_SECONDS = 5.0


# access: public (a load balancer's liveness probe)
@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Tell a load balancer the process is up."""
    return {"status": "ok"}


# access: public (a load balancer's readiness probe; says nothing beyond up or not and why)
@router.get("/readyz", responses={503: {"description": "Not ready: the reasons say what to fix."}})
async def readyz() -> JSONResponse:
    """200 when the database answers and its migrations are current; 503 with the reasons otherwise."""
    try:
        found = await asyncio.wait_for(run_in_threadpool(check_readiness, get_engine()), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        found = Readiness(database="unreachable", reasons=[
            f"database did not answer within {READY_TIMEOUT_SECONDS:g} s; check LEADPACT_DATABASE_URL and the server"])
    body = {"status": "ready" if found.ready else "not ready", "database": found.database,
            "migration": found.revision, "expected_migration": ", ".join(found.expected) or None,
            "reasons": found.reasons}
    return JSONResponse(body, status_code=200 if found.ready else 503)


# access: public (a Prometheus scrape; counts only, no personal data) — restrict by network if that matters
@router.get("/metrics", response_class=Response)
def metrics() -> Response:
    """This process's counters and the database's figures in Prometheus' text format."""
    return Response(render_metrics(get_engine()), media_type=CONTENT_TYPE_LATEST)
