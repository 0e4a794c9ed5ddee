"""`/metrics` in Prometheus' text format: this process's counters (or every process's, in the client's multiprocess
mode) and what the database knows at scrape time, which is the same whichever process is asked."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from leadpact.clock import get_clock
from leadpact.handoff import Handoff
from leadpact.outbox import OutboxMessage
from leadpact.telemetry import multiprocess_directory, process_metrics

log = logging.getLogger(__name__)


class DatabaseCollector(Collector):
    """Outbox depth and age, open handoffs and SLA breaches, read from the database on each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        """Yield the figures (or `leadpact_database_up 0` when the database does not answer)."""
        up = GaugeMetricFamily("leadpact_database_up", "1 when the database answered this scrape.")
        try:
            figures = self._read(get_clock().now())
        except Exception:  # a scrape must answer even when the database does not
            log.exception("metrics: the database did not answer")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures

    def _read(self, now: datetime) -> list[Metric]:
        outbox = OutboxMessage.__table__
        with self.engine.connect() as connection:
            by_state = connection.execute(select(outbox.c.state, outbox.c.kind, func.count())
                                          .where(outbox.c.state.in_(("pending", "dead")))
                                          .group_by(outbox.c.state, outbox.c.kind)).all()
            oldest = connection.execute(select(func.min(outbox.c.created_at))
                                        .where(outbox.c.state == "pending")).scalar()
            open_handoffs = connection.execute(select(func.count()).select_from(Handoff)
                                               .where(Handoff.state == "open")).scalar() or 0
            breaches = connection.execute(select(func.count()).select_from(Handoff)
                                          .where(Handoff.sla_breached_at.is_not(None))).scalar() or 0
        pending = GaugeMetricFamily("leadpact_outbox_pending", "Outbox rows waiting to be delivered, by kind.",
                                    labels=["kind"])
        dead = GaugeMetricFamily("leadpact_outbox_dead", "Outbox rows given up on (see `leadpact outbox list "
                                 "--state dead`), by kind.", labels=["kind"])
        for state, kind, count in by_state:
            (pending if state == "pending" else dead).add_metric([kind], count)
        age = GaugeMetricFamily("leadpact_outbox_oldest_pending_seconds",
                                "Age of the oldest outbox row still waiting (0 when none waits).")
        age.add_metric([], max(0.0, (now - _aware(oldest)).total_seconds()) if oldest is not None else 0.0)
        handoffs = GaugeMetricFamily("leadpact_handoffs_open", "Handoffs waiting on their rep.")
        handoffs.add_metric([], open_handoffs)
        breached = CounterMetricFamily("leadpact_sla_breaches", "Handoffs whose SLA was breached, since the start.")
        breached.add_metric([], breaches)
        return [pending, dead, age, handoffs, breached]


def _aware(moment: datetime) -> datetime:
    # Stored as UTC; a backend that gives an aggregate back without its zone gives it back naive.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _ProcessCounters(Collector):
    """This process's counters, when no multiprocess directory gathers every process's."""

    def collect(self) -> Iterator[Metric]:
        yield from process_metrics().registry.collect()


def render_metrics(engine: Engine) -> bytes:
    """The text a Prometheus scrape of `/metrics` gets."""
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_directory()
    if directory is not None:
        MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ProcessCounters())
        ProcessCollector(registry=registry)  # memory and CPU of this one process
    registry.register(DatabaseCollector(engine))
    return generate_latest(registry)
