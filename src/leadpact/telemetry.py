"""What a running process tells its operator: structured JSON log lines carrying the request id, and the Prometheus
counters it keeps in-process (requests, latency, 5xx, ingested and rejected messages).

The counters live in this process; `leadpact serve --workers N` points every process at one directory
(PROMETHEUS_MULTIPROC_DIR, the client's multiprocess mode) so `/metrics` adds them up whichever process answers.
What the database already knows (outbox depth and age, SLA breaches) is read from it at scrape time instead
(`leadpact.operations.metrics`), so it is right however many processes and workers run."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

# The id of the request being served, for every log line written while it is (None outside a request).
request_id: ContextVar[str | None] = ContextVar("leadpact_request_id", default=None)

# Latency buckets from 5 ms (an ingest batch) to 10 s (an activation through the API).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# The standard attributes of a LogRecord: anything else a caller passes in `extra` goes into the JSON line.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, the caller's extra fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            line["request_id"] = current
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(line, default=str, ensure_ascii=False)


class _Handler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs (told apart so a second call replaces it)."""


def configure_logging(*, level: str = "INFO", json_lines: bool = True) -> None:
    """Send the process's logs to stderr, one JSON object per line (or plain text), at `level` and above."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level.upper())


class ProcessMetrics:
    """The counters this process keeps (in the client's multiprocess files when PROMETHEUS_MULTIPROC_DIR is set)."""

    def __init__(self) -> None:
        # Registered in a registry of their own: `/metrics` decides how to collect them (this process, or the
        # multiprocess directory), and nothing lands in the client's global registry.
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("leadpact_http_requests", "HTTP requests answered, by route, method and status.",
                                ["route", "method", "status"], registry=self.registry)
        self.server_errors = Counter("leadpact_http_server_errors", "HTTP requests answered with a 5xx, by route.",
                                     ["route"], registry=self.registry)
        self.latency = Histogram("leadpact_http_request_seconds", "Time to answer an HTTP request, by route.",
                                 ["route", "method"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.ingested = Counter("leadpact_ingest_messages", "Tracking messages received, by outcome "
                                "(stored, duplicate, rejected).", ["outcome"], registry=self.registry)
        self.rejected = Counter("leadpact_ingest_rejected_messages", "Tracking messages (or whole requests) refused, "
                                "by reason.", ["reason"], registry=self.registry)


@cache
def process_metrics() -> ProcessMetrics:
    """This process's counters, created on first use (not at import)."""
    return ProcessMetrics()


def multiprocess_directory() -> str | None:
    """The client's multiprocess directory when this process writes its counters there, else None."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    metrics = process_metrics()
    metrics.requests.labels(route, method, str(status)).inc()
    metrics.latency.labels(route, method).observe(seconds)
    if status >= 500:
        metrics.server_errors.labels(route).inc()


def observe_ingest(*, stored: int, duplicates: int, rejected: list[str]) -> None:
    """Count one tracking request's messages: stored, duplicates, and the reasons of those rejected."""
    metrics = process_metrics()
    if stored:
        metrics.ingested.labels("stored").inc(stored)
    if duplicates:
        metrics.ingested.labels("duplicate").inc(duplicates)
    if rejected:
        metrics.ingested.labels("rejected").inc(len(rejected))
        for reason in rejected:
            metrics.rejected.labels(reason_label(reason)).inc()


_VALUES = re.compile(r"'[^']*'|\"[^\"]*\"|\d+(\.\d+)?")


def reason_label(reason: str) -> str:
    """A rejection reason as a label: the message's words with its values (quoted text, numbers) taken out, so
    the labels are as few as the kinds of rejection, however many values are sent."""
    return _VALUES.sub("…", reason.split("\n", 1)[0])[:100]
