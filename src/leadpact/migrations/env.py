"""Alembic environment: runs on the connection leadpact hands it, or on LEADPACT_DATABASE_URL."""

from __future__ import annotations

from alembic import context

import leadpact.models  # noqa: F401  (registers every table on Base.metadata)
from leadpact.db import Base, get_engine

target_metadata = Base.metadata


def run_migrations() -> None:
    """Run migrations on the given connection (leadpact.db.migrate) or a fresh one."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine().begin() as fresh:
        _run(fresh)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
