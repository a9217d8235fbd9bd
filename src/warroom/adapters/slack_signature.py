"""Verifying Slack's request signatures (v0: HMAC-SHA256 over `v0:{timestamp}:{body}`)."""

from __future__ import annotations

import hashlib
import hmac

WINDOW_SECONDS = 300  # Slack's advice: refuse requests more than five minutes old


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def problem(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, *, now: float
) -> str | None:
    """Why the request must be refused, or None when the signature is good and fresh."""
    if not timestamp or not signature:
        return "missing X-Slack-Request-Timestamp or X-Slack-Signature"
    try:
        sent = int(timestamp)
    except ValueError:
        return "X-Slack-Request-Timestamp is not a number"
    if abs(now - sent) > WINDOW_SECONDS:
        return "X-Slack-Request-Timestamp is outside the 5-minute window"
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        return "X-Slack-Signature does not match"
    return None
