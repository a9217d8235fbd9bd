"""Email over SMTP (plain, STARTTLS or implicit TLS, with optional auth).

Each sending thread keeps its own connection open between messages; a broken connection
is dropped and the next send reconnects. The Message-ID is derived from the outbox key,
so a message re-sent after a crash carries the same id and mail clients show it once.
"""

from __future__ import annotations

import contextlib
import hashlib
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate

from warroom.adapters.notifiers.base import DeliveryError
from warroom.domain.background import OutboundMessage


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 25
    security: str = "none"  # none | starttls | ssl
    username: str | None = None
    password: str | None = None
    sender: str = "warroom@localhost"
    timeout: float = 10.0


def message_id(key: str, sender: str) -> str:
    domain = sender.rsplit("@", 1)[-1] or "warroom"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def thread_root(incident_ref: str, sender: str) -> str:
    """The stable id every email about one incident refers to, so clients thread them."""
    domain = sender.rsplit("@", 1)[-1] or "warroom"
    token = hashlib.sha256(f"thread:{incident_ref}:{sender}".encode()).hexdigest()[:24]
    return f"<{incident_ref.lower()}.{token}@{domain}>"


# RFC 5322 allows 998 characters a line; folding at 78 turns a long List-Unsubscribe URL
# into RFC 2047 encoded words, which mail clients do not read as a link.
SMTP_POLICY = email_policy.SMTP.clone(max_line_length=998)


def build_email(message: OutboundMessage, sender: str) -> EmailMessage:
    email = EmailMessage(policy=SMTP_POLICY)
    email["From"] = sender
    email["To"] = message.destination
    email["Subject"] = message.subject or (message.incident_ref or "warroom")
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message.key, sender)
    headers = message.payload.get("headers", {})
    if message.incident_ref and "In-Reply-To" not in headers:
        root = thread_root(message.incident_ref, sender)
        email["In-Reply-To"] = root
        email["References"] = root
    for header, value in headers.items():
        email[header] = value
    email.set_content(message.body)
    for attachment in message.payload.get("attachments", []):
        maintype, subtype = attachment["content_type"].split("/", 1)
        email.add_attachment(
            attachment["data"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
            params=attachment.get("params") or None,
        )
    return email


class SmtpNotifier:
    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[smtplib.SMTP] = set()

    def _connection(self) -> smtplib.SMTP:
        conn: smtplib.SMTP | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        cfg = self.config
        if cfg.security == "ssl":
            conn = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            if cfg.security == "starttls":
                conn.starttls(context=ssl.create_default_context())
        if cfg.username:
            conn.login(cfg.username, cfg.password or "")
        self._local.conn = conn
        with self._lock:
            self._open.add(conn)
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            self._close(conn)

    def _close(self, conn: smtplib.SMTP) -> None:
        with self._lock:
            self._open.discard(conn)
        with contextlib.suppress(OSError, smtplib.SMTPException):
            conn.quit()
        with contextlib.suppress(OSError):
            conn.close()

    def close(self) -> None:
        """Close every connection opened by any thread."""
        with self._lock:
            conns = list(self._open)
        for conn in conns:
            self._close(conn)

    def send(self, message: OutboundMessage) -> None:
        email = build_email(message, self.config.sender)
        try:
            refused = self._connection().send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            raise DeliveryError(f"SMTP authentication failed: {exc}", permanent=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(f"SMTP {self.config.host}:{self.config.port}: {exc}") from exc
        if refused:
            raise DeliveryError(f"recipient refused: {refused}", permanent=True)
