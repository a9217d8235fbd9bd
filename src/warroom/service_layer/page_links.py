"""Signed links that acknowledge a page from an email, without logging in.

The token is an HMAC of the page and the person under the secret key, so a link works
only for the page and person it was sent for.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol
from urllib.parse import quote


class _HasKeys(Protocol):
    public_url: str
    secret_key: str


def sign(secret_key: str, page_id: int, person: str) -> str:
    message = f"page-ack:{page_id}:{person}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def verify(secret_key: str, page_id: int, person: str, token: str) -> bool:
    return bool(secret_key) and hmac.compare_digest(sign(secret_key, page_id, person), token)


def ack_url(ctx: _HasKeys, page_id: int, person: str) -> str | None:
    """The acknowledge link for `person`, or None when no public URL or key is set."""
    if not ctx.public_url or not ctx.secret_key:
        return None
    token = sign(ctx.secret_key, page_id, person)
    base = ctx.public_url.rstrip("/")
    return f"{base}/api/v1/pages/{page_id}/ack?by={quote(person)}&token={token}"
