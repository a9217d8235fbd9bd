"""Slack through the Web API: the incident channel, topic, pinned summary, invitations, posts.

Slack has no idempotency key for `chat.postMessage`, so each message carries its
outbox key in message metadata, and a retry first looks for it in the channel's recent
history (`conversations.history` with `include_all_metadata`) before posting again. A
message already posted is found and not repeated; one posted after the 200 most recent
messages would be repeated (documented limit).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

import httpx2

from warroom.adapters.notifiers.base import DeliveryError
from warroom.domain.background import OutboundMessage
from warroom.domain.enums import Visibility

METADATA_EVENT = "warroom_message"
_ID = re.compile(r"^[CGDU][A-Z0-9]{6,}$")
_HARMLESS = {"already_in_channel", "already_pinned", "cant_invite_self"}
_PERMANENT = {
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "invalid_name",
    "invalid_name_specials",
    "channel_not_found",
    "user_not_found",
    "missing_scope",
}


@dataclass(frozen=True)
class SlackConfig:
    token: str
    base_url: str = "https://slack.com/api"
    timeout: float = 10.0


class SlackError(DeliveryError):
    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"Slack {method}: {error}", permanent=error in _PERMANENT)
        self.error = error


def channel_name(name: str) -> str:
    """Slack channel names: lowercase, at most 80 characters, no leading '#'."""
    return name.lstrip("#").lower()[:80]


class SlackClient:
    def __init__(self, config: SlackConfig, *, http: httpx2.Client | None = None) -> None:
        self.config = config
        self.http = http or httpx2.Client(
            base_url=config.base_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {config.token}"},
            timeout=config.timeout,
        )
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()

    def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self.http.post(
                method, json=body, headers={"Content-Type": "application/json; charset=utf-8"}
            )
        except httpx2.HTTPError as exc:
            raise DeliveryError(f"Slack {method}: {exc}") from exc
        if response.status_code == 429:
            raise DeliveryError(
                f"Slack {method}: rate limited ({response.headers.get('Retry-After')}s)"
            )
        if not response.is_success:
            raise DeliveryError(f"Slack {method}: HTTP {response.status_code}")
        data: dict[str, Any] = response.json()
        if not data.get("ok"):
            raise SlackError(method, str(data.get("error", "unknown_error")))
        return data

    def channel_id(self, name_or_id: str) -> str | None:
        """A channel id from an id, `#name` or `name`; None if no such channel."""
        if _ID.match(name_or_id):
            return name_or_id
        name = channel_name(name_or_id)
        with self._lock:
            if name in self._ids:
                return self._ids[name]
        cursor = ""
        while True:
            body: dict[str, Any] = {
                "types": "public_channel,private_channel",
                "exclude_archived": True,
                "limit": 1000,
            }
            if cursor:
                body["cursor"] = cursor
            page = self.call("conversations.list", body)
            for channel in page.get("channels", []):
                if channel.get("name") == name:
                    with self._lock:
                        self._ids[name] = channel["id"]
                    return str(channel["id"])
            cursor = page.get("response_metadata", {}).get("next_cursor", "")
            if not cursor:
                return None

    def require_channel(self, name_or_id: str) -> str:
        found = self.channel_id(name_or_id)
        if found is None:
            raise DeliveryError(f"Slack channel #{channel_name(name_or_id)} does not exist (yet)")
        return found

    def create_channel(self, name: str, *, private: bool = False) -> str:
        """Create the channel (private: only those invited see it), or find it if it exists.

        A channel that already has the name is reused (a retry after a lost answer finds
        the one it made) — but never a public one for a private room: a restricted
        incident's details would go where anyone in the workspace reads them. That is
        refused outright rather than worked around with a suffixed name: every later post,
        invitation and chat command addresses the room by the incident's channel name, so
        a `-2` channel would be one the incident record, its announcements and `/inc` do
        not know — and the public namesake, perhaps made on purpose, would go unnoticed.
        The room step fails on the incident's timeline for someone to sort out.
        """
        body = {"name": channel_name(name), "is_private": private}
        try:
            created = self.call("conversations.create", body)
        except SlackError as exc:
            if exc.error != "name_taken":
                raise
            found = self.channel_id(name)
            if found is None:  # archived, or a private channel warroom is not in
                raise DeliveryError(
                    f"Slack channel #{channel_name(name)} exists but warroom cannot see it "
                    "(archived, or private without warroom in it)",
                    permanent=True,
                ) from None
            if private:
                self.require_private(found, name)
            return found
        channel_id = str(created["channel"]["id"])
        with self._lock:
            self._ids[channel_name(name)] = channel_id
        return channel_id

    def is_private(self, channel: str) -> bool:
        """Asked each time (not cached): an admin may convert a channel either way."""
        info = self.call("conversations.info", {"channel": channel})
        return bool(info.get("channel", {}).get("is_private"))

    def require_private(self, channel: str, name: str) -> None:
        """Raise a permanent DeliveryError unless `channel` is private."""
        if not self.is_private(channel):
            raise DeliveryError(
                f"Slack channel #{channel_name(name)} is public: refusing to use it for a "
                "restricted incident (archive or rename that channel, or make it private "
                "and invite warroom, then retry)",
                permanent=True,
            )

    def find_posted(self, channel: str, key: str) -> str | None:
        """The ts of a message carrying `key` in its metadata among the recent history."""
        try:
            history = self.call(
                "conversations.history",
                {"channel": channel, "limit": 200, "include_all_metadata": True},
            )
        except SlackError:
            return None
        for message in history.get("messages", []):
            meta = message.get("metadata") or {}
            if meta.get("event_type") == METADATA_EVENT and (
                meta.get("event_payload", {}).get("key") == key
            ):
                return str(message["ts"])
        return None

    def post(self, channel: str, text: str, *, key: str, retry: bool) -> str:
        """Post once per key: on a retry, look for the first attempt's message first."""
        if retry:
            found = self.find_posted(channel, key)
            if found:
                return found
        posted = self.call(
            "chat.postMessage",
            {
                "channel": channel,
                "text": text,
                "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": key}},
            },
        )
        return str(posted["ts"])

    def harmless(self, method: str, body: dict[str, Any]) -> None:
        try:
            self.call(method, body)
        except SlackError as exc:
            if exc.error not in _HARMLESS:
                raise

    def close(self) -> None:
        self.http.close()


class SlackNotifier:
    def __init__(self, client: SlackClient) -> None:
        self.client = client

    def send(self, message: OutboundMessage) -> dict[str, Any] | None:
        op = message.payload.get("op", "post")
        client = self.client
        retry = message.attempts > 0
        # A restricted incident's room is, and its room messages go only to, a private channel.
        restricted = message.payload.get("visibility") == Visibility.RESTRICTED
        if op == "open_room":
            p = message.payload
            channel = client.create_channel(message.destination, private=restricted)
            client.harmless(
                "conversations.setTopic", {"channel": channel, "topic": p.get("topic", "")[:250]}
            )
            ts = client.post(channel, message.body, key=f"{message.key}:summary", retry=retry)
            client.harmless("pins.add", {"channel": channel, "timestamp": ts})
            for i, text in enumerate(p.get("extra", [])):
                client.post(channel, text, key=f"{message.key}:extra:{i}", retry=retry)
            self._invite(channel, list(p.get("invite", [])))
            return {"channel_id": channel, "ts": ts}
        if op == "invite":
            channel = client.require_channel(message.destination)
            if restricted:
                client.require_private(channel, message.destination)
            self._invite(channel, list(message.payload.get("users", [])))
            return {"channel_id": channel}
        if op != "post":
            raise DeliveryError(f"unknown Slack operation {op!r}", permanent=True)
        channel = client.require_channel(message.destination)
        if restricted:
            client.require_private(channel, message.destination)
        text = message.body
        if message.subject and "op" not in message.payload:
            text = f"*{message.subject}*\n{message.body}"
        ts = client.post(channel, text, key=message.key, retry=retry)
        return {"channel_id": channel, "ts": ts}

    def _invite(self, channel: str, users: list[str]) -> None:
        if users:
            self.client.harmless(
                "conversations.invite", {"channel": channel, "users": ",".join(users)}
            )

    def close(self) -> None:
        self.client.close()
