"""`leadpact doctor`: check a deployment the way an operator would — the database, its migrations, an active pact,
write keys, the SMTP relay, notification channels, the outbox and the CRM connectors — and say what to fix."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import asdict, dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from leadpact.clock import get_clock
from leadpact.crm import CrmError, CrmSettings, MappingError, connector_for, get_crm_settings
from leadpact.crm.mapping import CRMS
from leadpact.crm.settings import stored_connection
from leadpact.db import session_factory
from leadpact.keys.models import ApiKey
from leadpact.operations.health import check_readiness
from leadpact.org.models import Rep
from leadpact.outbox import NotificationChannel, OutboxMessage
from leadpact.outbox.settings import OutboxSettings, get_outbox_settings
from leadpact.pact.versions import active_version

# A notification older than this still waiting means no worker is delivering (the hot tier's SLA is 15 minutes).
STALE_OUTBOX = timedelta(minutes=5)


@dataclass
class Check:
    """One thing checked: ok, warn (works, but not as it should) or fail (broken), what was found, and the fix."""

    name: str
    status: str
    detail: str
    fix: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The check as JSON-ready data."""
        return asdict(self)


@dataclass
class Setup:
    """What the checks look at: the database and the settings in force."""

    engine: Engine
    outbox: OutboxSettings
    crm: CrmSettings
    smtp_timeout: float = 5.0


def run_checks(*, engine: Engine, outbox: OutboxSettings | None = None, crm: CrmSettings | None = None,
               smtp_timeout: float = 5.0) -> list[Check]:
    """Run every check in order; the ones that need the database are skipped when it does not answer."""
    setup = Setup(engine, outbox or get_outbox_settings(), crm or get_crm_settings(), smtp_timeout)
    checks = database_checks(setup)
    if any(c.status == "fail" for c in checks):
        return [*checks, smtp(setup)]
    with session_factory(engine)() as session:
        for check in (pact, keys, channels, outbox_backlog, connectors):
            checks.extend(check(session, setup))
        checks.insert(4, smtp(setup, session))
    return checks


def database_checks(setup: Setup) -> list[Check]:
    """The database answers, and its migrations are the ones this code expects."""
    url = setup.engine.url.render_as_string(hide_password=True)
    found = check_readiness(setup.engine)
    if found.database != "ok":
        return [Check("database", "fail", f"{url}: {found.reasons[0]}",
                      "Set LEADPACT_DATABASE_URL to a database this process can reach (sqlite:///path/leadpact.db, or "
                      "postgresql://user:password@host:5432/name with the server running and the user allowed in).")]
    checks = [Check("database", "ok", f"{url} answers")]
    if found.ready:
        checks.append(Check("migrations", "ok", f"at {found.revision}, the newest this code has"))
    else:
        checks.append(Check("migrations", "fail", found.reasons[0],
                            "Run `leadpact init` (it migrates the database named by LEADPACT_DATABASE_URL)."))
    return checks


def pact(session: Session, setup: Setup) -> list[Check]:
    """A pact version is active: without one nobody is evaluated or handed off."""
    version = active_version(session=session)
    if version is None:
        return [Check("pact", "fail", "no pact version is active: events are stored but nobody is evaluated or "
                      "handed off", "Store, sign and activate one: `leadpact pact add FILE --author EMAIL`, `leadpact "
                      "pact approve N --as EMAIL` for marketing and for sales, `leadpact pact activate N --by EMAIL`.")]
    return [Check("pact", "ok", f"version {version.version} ({version.name}) is active")]


def keys(session: Session, setup: Setup) -> list[Check]:
    """A live write key exists, so tracking clients can send events."""
    live = dict(session.execute(select(ApiKey.scope, func.count()).where(ApiKey.revoked_at.is_(None))
                                .group_by(ApiKey.scope)).all())
    if not live.get("ingest") and not live.get("admin"):
        return [Check("keys", "fail", "no live write key: tracking clients cannot send events",
                      "Create one with `leadpact keys create --scope ingest --name website` and give it to the "
                      "site's Segment or RudderStack client as its write key.")]
    counts = ", ".join(f"{n} {scope}" for scope, n in sorted(live.items()))
    return [Check("keys", "ok", f"live keys: {counts}")]


def smtp(setup: Setup, session: Session | None = None) -> Check:
    """The SMTP relay is configured and answers (connect, EHLO, STARTTLS and login as configured)."""
    settings = setup.outbox
    waiting = 0
    if session is not None:
        waiting = session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "email", OutboxMessage.state == "pending")) or 0
    if not settings.smtp_host:
        reps = session.scalar(select(func.count()).select_from(Rep)) if session is not None else None
        status = "fail" if reps or waiting else "warn"
        return Check("smtp", status, f"no SMTP relay configured: emails to reps wait in the outbox ({waiting} "
                     "waiting now)", "Set LEADPACT_SMTP_HOST and LEADPACT_SMTP_PORT to your mail relay (and "
                     "LEADPACT_SMTP_USERNAME, LEADPACT_SMTP_PASSWORD, LEADPACT_SMTP_STARTTLS=true if it asks; "
                     "LEADPACT_MAIL_FROM for the sender); waiting emails go out once it answers.")
    relay = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=setup.smtp_timeout) as connection:
            connection.ehlo()
            if settings.smtp_starttls:
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if settings.smtp_username:
                connection.login(settings.smtp_username, settings.smtp_password or "")
    except smtplib.SMTPAuthenticationError as error:
        return Check("smtp", "fail", f"{relay} refused the login of {settings.smtp_username}: {error.smtp_code}",
                     "Check LEADPACT_SMTP_USERNAME and LEADPACT_SMTP_PASSWORD (an app password where the provider "
                     "asks for one).")
    except (smtplib.SMTPException, ssl.SSLError) as error:
        return Check("smtp", "fail", f"{relay} answered but {type(error).__name__}: {error}",
                     "Check LEADPACT_SMTP_STARTTLS (true when the relay wants STARTTLS on port 587) and the port.")
    except OSError as error:
        return Check("smtp", "fail", f"cannot reach {relay}: {error}",
                     "Point LEADPACT_SMTP_HOST and LEADPACT_SMTP_PORT at a relay this host can reach (port 587 or "
                     "25 usually), or open the way to it.")
    return Check("smtp", "ok", f"{relay} answers" + (f"; {waiting} email(s) waiting" if waiting else ""))


def channels(session: Session, setup: Setup) -> list[Check]:
    """Each active notification channel points somewhere a message can go, and webhooks are signed."""
    found = list(session.scalars(select(NotificationChannel).where(NotificationChannel.is_active.is_(True))
                                 .order_by(NotificationChannel.id)))
    problems, fixes = [], []
    for channel in found:
        if channel.kind in ("slack", "webhook"):
            parts = urlsplit(channel.target)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(f"channel #{channel.id} ({channel.kind}) target {channel.target!r} is not a URL")
                fixes.append(f"replace channel #{channel.id} with `leadpact channels add --kind {channel.kind} "
                             "--target https://…`")
            elif channel.kind == "slack" and parts.scheme != "https":
                problems.append(f"channel #{channel.id} (slack) is not https: Slack only accepts https webhooks")
                fixes.append("use the https URL Slack gave for the incoming webhook")
        if channel.kind == "webhook" and not channel.secret:
            problems.append(f"channel #{channel.id} (webhook {channel.target}) is unsigned: its receiver cannot tell "
                            "leadpact's messages from forged ones")
            fixes.append(f"add it again with `--secret` (and remove #{channel.id}) so receivers can check "
                         "X-Leadpact-Signature")
    if problems:
        return [Check("channels", "fail", "; ".join(problems), "; ".join(fixes))]
    kinds = ", ".join(sorted({c.kind for c in found})) or "none beyond the reps' email"
    return [Check("channels", "ok", f"{len(found)} active channel(s): {kinds}")]


def outbox_backlog(session: Session, setup: Setup) -> list[Check]:
    """Nothing is dead in the outbox, and nothing has waited long enough to mean no worker is delivering."""
    checks = []
    dead = session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == "dead")) or 0
    if dead:
        checks.append(Check("outbox", "warn", f"{dead} message(s) were given up on",
                            "See why with `leadpact outbox list --state dead`, fix the cause, then send each again "
                            "with `leadpact outbox retry ID`."))
    now = get_clock().now()
    oldest = session.scalar(select(func.min(OutboxMessage.created_at)).where(
        OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now))
    if oldest is not None and now - oldest > STALE_OUTBOX:
        minutes = int((now - oldest).total_seconds() // 60)
        checks.append(Check("worker", "fail", f"a due message has waited {minutes} minutes: no worker is delivering",
                            "Run `leadpact worker` (as many as you like), or `leadpact serve` with "
                            "LEADPACT_EMBEDDED_WORKER left on."))
    return checks or [Check("outbox", "ok", "nothing dead, nothing overdue")]


def connectors(session: Session, setup: Setup) -> list[Check]:
    """Each CRM connected (a token in the environment or from `crm connect`) answers with the fields it needs."""
    checks = []
    for crm in CRMS:
        configured = getattr(setup.crm, f"{crm}_token") or stored_connection(session=session, crm=crm)
        if not configured:
            continue
        try:
            report = connector_for(crm, session=session, settings=setup.crm).check()
        except (CrmError, MappingError) as error:
            checks.append(Check(f"crm {crm}", "fail", f"{type(error).__name__}: {error}",
                                f"Reconnect with `leadpact crm connect --to {crm} --token …` (or fix "
                                f"LEADPACT_{crm.upper()}_TOKEN and its base URL), then run `leadpact doctor` again."))
            continue
        if not report.ok or report.missing:
            missing = f"; missing: {', '.join(report.missing)}" if report.missing else ""
            checks.append(Check(f"crm {crm}", "fail", f"{report.detail}{missing}",
                                f"Run `leadpact crm connect --to {crm} --create-properties` to create the missing "
                                "fields, or map them to existing ones in the mapping file."))
        else:
            checks.append(Check(f"crm {crm}", "ok", report.detail))
    return checks or [Check("crm", "ok", "no CRM connected (handoffs stay in leadpact)")]

