"""Email over SMTP (plain, STARTTLS or implicit TLS, with optional auth).

Each sending thread keeps its own connection open between messages; a broken connection
is dropped and the next send reconnects. The Message-ID is derived from the outbox key,
so a message re-sent after a crash carries the same id and mail clients show it once.

Messages are built with the standard library's `email` package. Its header registry
parses every header it is given, which made building a message cost twice its sending:
a message whose headers are all short printable ASCII and whose addresses are plain
`local@domain` — nearly every status email — is written out directly instead, with the
text part built by the package once per distinct body; the bytes are the same (tested).
Anything else (non-ASCII, long or encoded-word headers, display names, attachments)
goes through the package.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import smtplib
import ssl
import threading
from dataclasses import dataclass
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formatdate
from functools import lru_cache

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


def _headers(message: OutboundMessage, sender: str, date: str) -> list[tuple[str, str]]:
    headers = [
        ("From", sender),
        ("To", message.destination),
        ("Subject", message.subject or (message.incident_ref or "warroom")),
        ("Date", date),
        ("Message-ID", message_id(message.key, sender)),
    ]
    extra = message.payload.get("headers", {})
    if message.incident_ref and "In-Reply-To" not in extra:
        root = thread_root(message.incident_ref, sender)
        headers += [("In-Reply-To", root), ("References", root)]
    headers += [(str(name), str(value)) for name, value in extra.items()]
    return headers


def build_email(message: OutboundMessage, sender: str, date: str | None = None) -> EmailMessage:
    email = EmailMessage(policy=SMTP_POLICY)
    for name, value in _headers(message, sender, date or formatdate(localtime=False)):
        email[name] = value
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


# A header written as is: printable ASCII, no encoded-word marker, nothing to fold.
_PLAIN_VALUE = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?\Z")
_PLAIN_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]+\Z")
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z"
)
_MAX_LINE = 998


def _plain(name: str, value: str) -> bool:
    return (
        _PLAIN_NAME.match(name) is not None
        and _PLAIN_VALUE.match(value) is not None
        and "=?" not in value
        and "  " not in value
        and len(name) + 2 + len(value) <= _MAX_LINE
    )


@lru_cache(maxsize=128)
def _text_part(body: str) -> bytes:
    """The MIME headers and encoded body the `email` package writes for `body`."""
    part = EmailMessage(policy=SMTP_POLICY)
    part.set_content(body)
    return part.as_bytes()


def direct_bytes(message: OutboundMessage, sender: str, date: str | None = None) -> bytes | None:
    """The message written out directly, or None when the `email` package must build it."""
    headers = _headers(message, sender, date or formatdate(localtime=False))
    if (
        message.payload.get("attachments")
        or _PLAIN_ADDRESS.match(sender) is None
        or _PLAIN_ADDRESS.match(message.destination) is None
        or not all(_plain(name, value) for name, value in headers)
    ):
        return None
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    return head + _text_part(message.body)


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
        data = direct_bytes(message, self.config.sender)
        try:
            conn = self._connection()
            if data is not None:  # plain addresses: the envelope is the From and To headers
                refused = conn.sendmail(self.config.sender, [message.destination], data)
            else:
                refused = conn.send_message(build_email(message, self.config.sender))
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
