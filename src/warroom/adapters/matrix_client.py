"""A small Matrix client-server API client (httpx2), shared by the notifier and the bot."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2

from warroom.adapters.matrix_privacy import refusal
from warroom.adapters.notifiers.base import DeliveryError

INCIDENT_STATE = "org.warroom.incident"  # room state naming the incident the room is for


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str
    access_token: str
    user_id: str
    server_name: str = ""  # for room aliases; defaults to the user id's server
    timeout: float = 30.0

    @property
    def alias_server(self) -> str:
        return self.server_name or self.user_id.split(":", 1)[1]


class MatrixError(DeliveryError):
    def __init__(self, status: int, errcode: str, error: str) -> None:
        permanent = status in (400,) and errcode in ("M_BAD_JSON", "M_NOT_JSON", "M_INVALID_PARAM")
        super().__init__(f"Matrix {status} {errcode}: {error}", permanent=permanent)
        self.status = status
        self.errcode = errcode


def txn_id(key: str) -> str:
    """A transaction id from an idempotency key: a repeat with it creates no new event."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class MatrixClient:
    def __init__(self, config: MatrixConfig, *, http: httpx2.Client | None = None) -> None:
        self.config = config
        self.http = http or httpx2.Client(
            base_url=config.homeserver.rstrip("/"),
            headers={"Authorization": f"Bearer {config.access_token}"},
            timeout=config.timeout,
        )
        self._aliases: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- plumbing ----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        timeout: float | None = None,
    ) -> Any:
        try:
            response = self.http.request(
                method,
                f"/_matrix/client/v3{path}",
                json=json,
                params=params,
                timeout=timeout if timeout is not None else self.config.timeout,
            )
        except httpx2.HTTPError as exc:
            raise DeliveryError(f"Matrix {self.config.homeserver}: {exc}") from exc
        if response.is_success:
            return response.json()
        try:
            body = response.json()
        except ValueError:
            body = {}
        raise MatrixError(
            response.status_code, body.get("errcode", ""), body.get("error", response.text[:200])
        )

    def alias(self, name: str) -> str:
        """`#name:server` for a bare room name or `#name`; full aliases pass through."""
        local = name.lstrip("#")
        return f"#{local}" if ":" in local else f"#{local}:{self.config.alias_server}"

    # -- rooms -------------------------------------------------------------------------------

    def resolve(self, room: str) -> str | None:
        """The room id for an id, alias or bare name; None if no such alias."""
        if room.startswith("!"):
            return room
        alias = self.alias(room)
        with self._lock:
            if alias in self._aliases:
                return self._aliases[alias]
        try:
            room_id: str = self.call("GET", f"/directory/room/{quote(alias, safe='')}")["room_id"]
        except MatrixError as exc:
            if exc.errcode == "M_NOT_FOUND" or exc.status == 404:
                return None
            raise
        with self._lock:
            self._aliases[alias] = room_id
        return room_id

    def require_room(self, room: str) -> str:
        room_id = self.resolve(room)
        if room_id is None:
            raise DeliveryError(f"Matrix room {self.alias(room)} does not exist (yet)")
        return room_id

    def create_room(
        self,
        *,
        name: str,
        topic: str,
        invite: list[str],
        state: dict[str, Any] | None = None,
        private: bool = False,
    ) -> str:
        """Create the room with alias `#name:server`, or return the existing one.

        The room warroom creates is invite-only (`private_chat`). An existing room with
        the alias is reused (a retry after a lost answer finds the one it made) — but for
        a `private` room (a restricted incident's) only if it passes `require_private`:
        anyone on the homeserver can take an alias first, and the alias comes from the
        incident's predictable channel name. Refused outright, not worked around with
        another alias: every later post and invitation addresses the room by that alias,
        and the incident record and its announcements name it. The room step fails on
        the incident's timeline for someone to sort out.
        """
        existing = self.resolve(name)
        if existing:
            if private:
                self.require_private(existing, name)
            return existing
        body: dict[str, Any] = {
            "room_alias_name": name.lstrip("#").split(":", 1)[0],
            "name": name,
            "topic": topic,
            "preset": "private_chat",
            "invite": [u for u in invite if u != self.config.user_id],
            "initial_state": [
                {"type": kind, "state_key": "", "content": content}
                for kind, content in (state or {}).items()
            ],
        }
        if private:
            # `private_chat` lets any member invite anyone (invite level 0): in a restricted
            # incident's room only warroom (level 100) and moderators may.
            body["power_level_content_override"] = {"invite": 50}
        try:
            room_id: str = self.call("POST", "/createRoom", json=body)["room_id"]
        except MatrixError as exc:
            if exc.errcode != "M_ROOM_IN_USE":
                raise
            # Created by an earlier attempt or another worker — or by someone else.
            room_id = self.require_room(name)
            if private:
                self.require_private(room_id, name)
            return room_id
        with self._lock:
            self._aliases[self.alias(name)] = room_id
        return room_id

    def require_private(self, room_id: str, name: str) -> None:
        """Raise a permanent DeliveryError unless the room is private (`matrix_privacy`).

        Asked each time, not cached: a room's join rule and history visibility can be
        changed by anyone with the power to, at any moment.
        """
        alias = self.alias(name)
        try:
            state = self.call("GET", f"/rooms/{quote(room_id)}/state")
        except MatrixError as exc:
            if exc.status not in (403, 404):
                raise  # the homeserver may be restarting: retried
            state = []  # not in the room (or no such room): nothing shows it is private
        reason = refusal(
            state if isinstance(state, list) else [], me=self.config.user_id, alias=alias
        )
        if reason is not None:
            with self._lock:  # once the alias is taken away, a retry resolves it afresh
                self._aliases.pop(alias, None)
            raise DeliveryError(reason, permanent=True)

    def send_text(self, room_id: str, text: str, *, key: str, notice: bool = False) -> str:
        """Send a message under a transaction id derived from `key` (idempotent)."""
        content = {"msgtype": "m.notice" if notice else "m.text", "body": text}
        path = f"/rooms/{quote(room_id)}/send/m.room.message/{txn_id(key)}"
        event_id: str = self.call("PUT", path, json=content)["event_id"]
        return event_id

    def state(self, room_id: str, kind: str, state_key: str = "") -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.call(
                "GET", f"/rooms/{quote(room_id)}/state/{kind}/{quote(state_key, safe='')}"
            )
        except MatrixError as exc:
            if exc.status == 404:
                return None
            raise
        return found

    def state_event(self, room_id: str, kind: str, state_key: str = "") -> dict[str, Any] | None:
        """The whole current state event (its `sender` too), or None if there is none or
        warroom may not read the room's state."""
        try:
            found: dict[str, Any] = self.call(
                "GET",
                f"/rooms/{quote(room_id)}/state/{kind}/{quote(state_key, safe='')}",
                params={"format": "event"},
            )
        except MatrixError as exc:
            if exc.status in (403, 404):
                return None
            raise
        return found

    def put_state(
        self, room_id: str, kind: str, content: dict[str, Any], state_key: str = ""
    ) -> None:
        self.call(
            "PUT", f"/rooms/{quote(room_id)}/state/{kind}/{quote(state_key, safe='')}", json=content
        )

    def pin(self, room_id: str, event_id: str) -> None:
        current = self.state(room_id, "m.room.pinned_events") or {}
        pinned = list(current.get("pinned", []))
        if event_id not in pinned:
            self.put_state(room_id, "m.room.pinned_events", {"pinned": [*pinned, event_id]})

    def invite(self, room_id: str, users: list[str]) -> list[str]:
        """Invite those not already in (or invited to) the room; returns who was invited."""
        invited = []
        for user in users:
            if user == self.config.user_id:
                continue
            member = self.state(room_id, "m.room.member", user) or {}
            if member.get("membership") in ("join", "invite"):
                continue
            self.call("POST", f"/rooms/{quote(room_id)}/invite", json={"user_id": user})
            invited.append(user)
        return invited

    def direct_room(self, user: str) -> str:
        """The direct-message room with `user`, created (and remembered in m.direct) if needed."""
        me = quote(self.config.user_id, safe="")
        with self._lock:
            try:
                direct = self.call("GET", f"/user/{me}/account_data/m.direct")
            except MatrixError as exc:
                if exc.status != 404:
                    raise
                direct = {}
            rooms = direct.get(user) or []
            if rooms:
                return str(rooms[0])
            room_id: str = self.call(
                "POST",
                "/createRoom",
                json={"is_direct": True, "invite": [user], "preset": "trusted_private_chat"},
            )["room_id"]
            direct[user] = [room_id]
            self.call("PUT", f"/user/{me}/account_data/m.direct", json=direct)
        return room_id

    def join(self, room_id: str) -> None:
        self.call("POST", f"/join/{quote(room_id)}", json={})

    def sync(self, since: str | None, timeout_ms: int) -> dict[str, Any]:
        params: dict[str, Any] = {"timeout": timeout_ms}
        if since:
            params["since"] = since
        result: dict[str, Any] = self.call(
            "GET", "/sync", params=params, timeout=self.config.timeout + timeout_ms / 1000
        )
        return result

    def close(self) -> None:
        self.http.close()
