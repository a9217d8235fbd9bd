"""Verifying inbound Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`).

The signature is computed with the standardwebhooks library; the timestamp window is
checked here against warroom's clock (the library reads the system clock).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks import Webhook

WINDOW_SECONDS = 300
MAX_ID = 200


def problem(secret: str, headers: Mapping[str, str], body: bytes, *, now: datetime) -> str | None:
    """Why the request must be refused, or None when it is signed with `secret` and fresh."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and stamp and signatures):
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    if len(msg_id) > MAX_ID:
        return f"webhook-id is longer than {MAX_ID} characters"
    try:
        sent = datetime.fromtimestamp(int(stamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return "webhook-timestamp is not a Unix time in seconds"
    if abs((now - sent).total_seconds()) > WINDOW_SECONDS:
        return "webhook-timestamp is outside the 5-minute window"
    try:
        text = body.decode()
        expected = Webhook(secret).sign(msg_id, sent, text)
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    for candidate in signatures.split(" "):
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return None
    return "webhook-signature does not match"
