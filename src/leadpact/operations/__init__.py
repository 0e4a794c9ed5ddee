"""Running leadpact: health and readiness probes, Prometheus metrics, request ids in structured logs, and
`leadpact doctor`, which checks a deployment and says what to fix."""

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI

from leadpact.operations.doctor import Check, run_checks
from leadpact.operations.health import Readiness, check_readiness
from leadpact.operations.metrics import render_metrics
from leadpact.operations.requests import RequestTelemetry
from leadpact.operations.views import router


def attach(app: FastAPI, *, dependencies: Sequence[Any] = ()) -> None:
    """Give `app` the operator's routes (with the app's access `dependencies`) and the request middleware (request
    ids, metrics, access log)."""
    app.include_router(router, dependencies=list(dependencies))
    app.add_middleware(RequestTelemetry)


__all__ = ["Check", "Readiness", "RequestTelemetry", "attach", "check_readiness", "render_metrics", "router",
           "run_checks"]
