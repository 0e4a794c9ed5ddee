"""Is this process ready to serve: the database answers, and its schema is at the migrations this code expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from leadpact.db import MIGRATIONS


@dataclass
class Readiness:
    """Whether the process can serve, and if not, why (each reason says what to do)."""

    database: str = "unknown"  # ok | unreachable
    revision: str | None = None  # the database's migration revision
    expected: tuple[str, ...] = ()  # the revisions this code's migrations end at
    reasons: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when nothing stands in the way."""
        return not self.reasons


@cache
def expected_revisions() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this code (read once: they do not change at run time)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


def check_readiness(engine: Engine) -> Readiness:
    """Ask the database for itself and its migration revision; return what was found and what is wrong."""
    found = Readiness(expected=expected_revisions())
    try:
        with engine.connect() as connection:
            connection.execute(select(1))
            heads = MigrationContext.configure(connection).get_current_heads()
    except SQLAlchemyError as error:
        found.database = "unreachable"
        cause = getattr(error, "orig", None)  # the driver's own error, without SQLAlchemy's statement and link
        detail = str(cause if cause is not None else error).strip().splitlines()
        found.reasons.append(f"database unreachable ({type(error).__name__}: {detail[0] if detail else ''}); "
                             "check LEADPACT_DATABASE_URL and that the server is up")
        return found
    found.database = "ok"
    found.revision = ", ".join(sorted(heads)) or None
    if tuple(sorted(heads)) != found.expected:
        found.reasons.append(f"migrations not current: the database is at {found.revision or 'no revision'}, this "
                             f"code expects {', '.join(found.expected)}; run `leadpact init`")
    return found
