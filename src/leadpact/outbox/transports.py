"""How each kind of outbox row leaves the building: SMTP, Slack incoming webhooks, signed webhooks, plug-ins.

A transport gets a `Delivery` (a snapshot of the row: it never reads the database) and returns on success or
raises. Every transport sends the row's idempotency key so receivers can drop a repeat: delivery is at least once
(a worker killed after the receiver accepted but before it recorded success redelivers), and the key turns that
into exactly one effect.

A webhook receiver checks `X-Leadpact-Signature` = `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + raw body),
with the timestamp from `X-Leadpact-Timestamp` (reject old ones to stop replays), then ignores any
`X-Leadpact-Idempotency-Key` it has already processed. A mail system can do the same with the Message-ID."""

from __future__ import annotations

import functools
import hashlib
import hmac
import smtplib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as EMAIL_POLICY
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from leadpact.clock import isoformat
from leadpact.masking import redact
from leadpact.outbox.channels import ChannelUnavailable, Endpoint, endpoint
from leadpact.outbox.render import render, slack
from leadpact.outbox.service import PRIVATE_PREFIX
from leadpact.outbox.settings import get_outbox_settings
from leadpact.wiring import installed

IDEMPOTENCY_HEADER = "X-Leadpact-Idempotency-Key"
SIGNATURE_HEADER = "X-Leadpact-Signature"
TIMESTAMP_HEADER = "X-Leadpact-Timestamp"


@dataclass(frozen=True)
class Delivery:
    """One attempt at an outbox row, as the transport sees it."""

    id: int
    kind: str
    topic: str
    destination: str
    payload: dict[str, Any]
    idempotency_key: str
    attempt: int
    now: datetime

    @property
    def public_payload(self) -> dict[str, Any]:
        """The payload without the keys meant only for the transport."""
        return {k: v for k, v in self.payload.items() if not k.startswith(PRIVATE_PREFIX)}

    def endpoint(self) -> Endpoint:
        """Where this delivery goes (a channel's URL and secret, unsealed now); raise DeliveryError if unreadable."""
        try:
            return endpoint(self.destination, self.payload)
        except ChannelUnavailable as error:
            # A key problem is fixed by a person: retry slowly rather than die.
            raise DeliveryError(str(error), permanent=error.permanent,
                                retry_after=None if error.permanent else 900.0) from None


class DeliveryError(Exception):
    """A failed attempt; `retry_after` (seconds) is the receiver's own request, honoured over the backoff; an attempt
    that does not `count` (nothing to deliver through yet) waits without bringing the row closer to dead."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False,
                 counts: bool = True) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.counts = counts


# How long an email waits before looking again for an SMTP relay when none is configured.
NO_RELAY_RETRY_SECONDS = 300.0


Transport = Callable[[Delivery], None]
# Open SMTP connections of this thread's `smtp_session`, by relay (None outside a session).
_shared = threading.local()


def get_transport(kind: str) -> Transport:
    """Return the transport of `kind` in the installed wiring; raise DeliveryError when it has none."""
    try:
        return installed().transports[kind]
    except KeyError:
        # Not permanent: the row waits (with backoff) for a worker wired with a transport of its kind.
        raise DeliveryError(f"no transport registered for kind {kind!r} in this worker") from None


def message_id(idempotency_key: str, sender: str) -> str:
    """Return the RFC 5322 Message-ID of an email, derived from its idempotency key (same key, same id)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "leadpact.invalid"
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{domain}>"


def build_email(delivery: Delivery, sender: str) -> EmailMessage:
    """Return the email of a delivery: rendered subject and text, Message-ID and idempotency header."""
    rendered = render(delivery.topic, delivery.public_payload)
    message = EmailMessage()
    message["From"] = _parsed_header("From", sender)
    message["To"] = _parsed_header("To", delivery.endpoint().address)
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(delivery.now)
    message["Message-ID"] = message_id(delivery.idempotency_key, sender)
    message[IDEMPOTENCY_HEADER] = delivery.idempotency_key
    message["X-Leadpact-Topic"] = _parsed_header("X-Leadpact-Topic", delivery.topic)
    message.set_content(rendered.text)
    return message


@functools.lru_cache(maxsize=1024)
def _parsed_header(name: str, value: str) -> Any:
    """A header as the email package stores it, parsed (and checked) once per value: the sender, the reps'
    addresses and the topics repeat on every email, and parsing an address costs more than sending it."""
    return EMAIL_POLICY.header_store_parse(name, value)[1]  # immutable: shared by every message that uses it


@contextmanager
def smtp_session() -> Iterator[None]:
    """Let the emails this thread sends inside the block share one SMTP connection per relay, closed at its end."""
    if getattr(_shared, "connections", None) is not None:
        yield  # already inside one: the outer block closes
        return
    _shared.connections = {}
    try:
        yield
    finally:
        connections, _shared.connections = _shared.connections, None
        for smtp in connections.values():
            _hang_up(smtp)


def send_email(delivery: Delivery) -> None:
    """Send the delivery's email through the configured SMTP relay (on the shared connection inside a session)."""
    settings = get_outbox_settings()
    if not settings.smtp_host:
        raise DeliveryError("no SMTP relay configured: set LEADPACT_SMTP_HOST and LEADPACT_SMTP_PORT (see the "
                            "README's Configuration); the email waits until then", retry_after=NO_RELAY_RETRY_SECONDS,
                            counts=False)
    message = build_email(delivery, settings.mail_from)
    connections: dict[tuple[Any, ...], smtplib.SMTP] | None = getattr(_shared, "connections", None)
    relay = (settings.smtp_host, settings.smtp_port, settings.smtp_starttls, settings.smtp_username)
    try:
        if connections is None:
            smtp = _connect(settings)
            try:
                smtp.send_message(message)
            finally:
                _hang_up(smtp)
            return
        smtp = connections.pop(relay, None)
        if smtp is not None:
            try:
                smtp.send_message(message)
            except smtplib.SMTPServerDisconnected:
                # The relay hung up between two messages, before this one was taken: send it on a fresh connection.
                smtp.close()
            except BaseException:
                _hang_up(smtp)  # a connection in an unknown state is not reused
                raise
            else:
                connections[relay] = smtp
                return
        smtp = _connect(settings)
        try:
            smtp.send_message(message)
        except BaseException:
            _hang_up(smtp)
            raise
        connections[relay] = smtp
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"recipient refused: {error.recipients}") from error
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {error}") from error


def _connect(settings: Any) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
    try:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
    except BaseException:
        _hang_up(smtp)
        raise
    return smtp


def _hang_up(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def post_slack(delivery: Delivery) -> None:
    """Post the delivery to a Slack incoming webhook as text and blocks."""
    rendered = render(delivery.topic, delivery.public_payload)
    body = orjson.dumps({"text": slack(rendered.subject + "\n" + rendered.text), "blocks": rendered.blocks})
    headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: delivery.idempotency_key}
    target = delivery.endpoint()
    _post(target.address, body, headers, label=target.label)


def webhook_body(delivery: Delivery) -> bytes:
    """Return the JSON body of a generic webhook: the idempotency key, topic, time and the payload."""
    return orjson.dumps(
        {
            "id": delivery.idempotency_key,
            "topic": delivery.topic,
            "sent_at": isoformat(delivery.now),
            "data": delivery.public_payload,
        }
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header value: `sha256=` and the hex HMAC-SHA256 of `timestamp.body` under `secret`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether `signature` is the signature of `timestamp.body` under `secret` (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def post_webhook(delivery: Delivery) -> None:
    """POST the delivery to a generic webhook, signed with the channel's secret when it has one."""
    target = delivery.endpoint()
    body = webhook_body(delivery)
    timestamp = str(int(delivery.now.timestamp()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp,
               IDEMPOTENCY_HEADER: delivery.idempotency_key}
    if target.secret:
        headers[SIGNATURE_HEADER] = sign(target.secret, timestamp, body)
    _post(target.address, body, headers, label=target.label)


def _post(url: str, body: bytes, headers: dict[str, str], *, label: str) -> None:
    # Errors name the `label` (the channel, a masked URL): they are stored in the outbox and shown by its API. A
    # receiver's answer may quote the URL or its path (a Slack URL's path is its credential): both are masked.
    secrets = [url, urlsplit(url).path if len(urlsplit(url).path) > 1 else None]
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=get_outbox_settings().http_timeout_seconds)
    except httpx.HTTPError as error:
        raise DeliveryError(f"POST {label}: {type(error).__name__}: {redact(str(error), secrets)}") from error
    if response.status_code >= 300:
        asked = response.headers.get("Retry-After") if response.status_code in (429, 503) else None
        message = f"POST {label}: HTTP {response.status_code} {redact(response.text[:200], secrets)}"
        raise DeliveryError(message, retry_after=retry_after(asked))


def retry_after(value: str | None) -> float | None:
    """Return the seconds a Retry-After header asks for (seconds form only), or None."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None



# The transports of the notification channels (the composition root adds the CRM's `crm` beside them).
NOTIFICATION_TRANSPORTS: dict[str, Transport] = {"email": send_email, "slack": post_slack, "webhook": post_webhook}
