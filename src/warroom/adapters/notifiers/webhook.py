"""Generic outbound webhooks, signed per the Standard Webhooks specification.

`webhook-id` is the outbox key, so a receiver that remembers ids ignores a redelivery;
`webhook-signature` is HMAC-SHA256 over `id.timestamp.body` with the shared secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx2
from standardwebhooks import Webhook

from warroom.adapters.notifiers.base import DeliveryError
from warroom.domain.background import OutboundMessage

# Client errors that retrying can fix (timeouts, conflicts, rate limits).
_RETRYABLE_4XX = {408, 409, 425, 429}


def event_body(message: OutboundMessage) -> dict[str, Any]:
    data = {k: v for k, v in message.payload.items() if k not in {"op", "step"}}
    return {
        "type": str(message.payload.get("event", "notification")),
        "data": {
            "id": message.key,
            "incident": message.incident_ref,
            "subject": message.subject,
            "text": message.body,
            **data,
        },
    }


class WebhookNotifier:
    """Destination = the name of an endpoint in the settings (WARROOM_WEBHOOK_ENDPOINTS)."""

    def __init__(
        self,
        endpoints: dict[str, str],
        secret: str,
        *,
        timeout: float = 10.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.signer = Webhook(secret)
        self.client = httpx2.Client(timeout=timeout)
        self.now = now or (lambda: datetime.now(UTC))

    def send(self, message: OutboundMessage) -> dict[str, Any] | None:
        url = self.endpoints.get(message.destination)
        if url is None:
            raise DeliveryError(
                f"no webhook endpoint named {message.destination!r}", permanent=True
            )
        body = json.dumps(event_body(message), separators=(",", ":"), default=str)
        when = self.now()
        headers = {
            "content-type": "application/json",
            "webhook-id": message.key,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": self.signer.sign(message.key, when, body),
        }
        try:
            response = self.client.post(url, content=body.encode(), headers=headers)
        except httpx2.HTTPError as exc:
            raise DeliveryError(f"webhook {message.destination}: {exc}") from exc
        if response.is_success:
            return {"status": response.status_code}
        permanent = 400 <= response.status_code < 500 and response.status_code not in _RETRYABLE_4XX
        raise DeliveryError(
            f"webhook {message.destination} answered {response.status_code}", permanent=permanent
        )

    def close(self) -> None:
        self.client.close()
