"""Post-only targets through apprise: Teams (Workflows URL), Mattermost, Discord…, and SMS.

One Apprise object is built per send: an object remembers when it last used a plugin
and waits (about 5.5 s) before using it again, which would throttle a busy worker.
Icons are switched off so no image URL leaves with the message.
"""

from __future__ import annotations

from typing import Any

import apprise

from warroom.adapters.notifiers.base import DeliveryError
from warroom.domain.background import OutboundMessage


def _send(url: str, message: OutboundMessage, what: str) -> None:
    asset = apprise.AppriseAsset(image_url_mask=None, image_url_logo=None, image_path_mask=None)
    sender = apprise.Apprise(asset=asset)
    if not sender.add(url):
        raise DeliveryError(f"apprise cannot use the URL configured for {what}", permanent=True)
    if not sender.notify(body=message.body, title=message.subject or ""):
        raise DeliveryError(f"apprise could not deliver to {what}")


class AppriseNotifier:
    """Destination = the name of a target in the settings (WARROOM_APPRISE_TARGETS)."""

    def __init__(self, targets: dict[str, str]) -> None:
        self.targets = targets

    def send(self, message: OutboundMessage) -> dict[str, Any] | None:
        url = self.targets.get(message.destination)
        if url is None:
            known = ", ".join(sorted(self.targets)) or "none"
            raise DeliveryError(
                f"no apprise target named {message.destination!r} (configured: {known})",
                permanent=True,
            )
        _send(url, message, f"target {message.destination!r}")
        return None

    def close(self) -> None:
        pass


class SmsNotifier:
    """Destination = a phone number, put into an apprise URL template (`{phone}`)."""

    def __init__(self, url_template: str) -> None:
        self.url_template = url_template

    def send(self, message: OutboundMessage) -> dict[str, Any] | None:
        phone = message.destination.replace(" ", "")
        text = f"{message.subject}: {message.body}" if message.subject else message.body
        _send(
            self.url_template.format(phone=phone),
            OutboundMessage(key=message.key, channel="sms", destination=phone, body=text[:1000]),
            f"SMS {phone}",
        )
        return None

    def close(self) -> None:
        pass
