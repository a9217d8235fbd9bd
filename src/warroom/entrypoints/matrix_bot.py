"""The Matrix bot: long-polls /sync and runs `!inc …` commands typed in incident rooms.

Run it with `warroom matrix-bot` (one process per homeserver account; it keeps the
`next_batch` token in the database, so a restarted bot resumes where it stopped). Each
command runs once per Matrix event id, and the answer is sent with a transaction id
derived from that event id: a re-processed event neither acts nor answers twice.
"""

from __future__ import annotations

import threading
from typing import Any

import structlog

from warroom.adapters import chat_state
from warroom.adapters.matrix_client import INCIDENT_STATE, MatrixClient
from warroom.adapters.notifiers.base import DeliveryError
from warroom.bootstrap import Warroom
from warroom.entrypoints.chat_people import chat_person
from warroom.service_layer.chat_commands import ChatRequest, handle

log = structlog.get_logger(__name__)
PREFIX = "!inc"
CURSOR = "matrix:next_batch"


class MatrixBot:
    def __init__(self, wr: Warroom, client: MatrixClient, *, timeout_ms: int = 30_000) -> None:
        self.wr = wr
        self.client = client
        self.timeout_ms = timeout_ms
        self._rooms: dict[str, str | None] = {}

    def incident_of(self, room_id: str) -> str | None:
        """The incident a room belongs to (from its warroom state event), cached.

        Only a state event warroom itself sent counts: anyone may make a room, set that
        state to a restricted incident's number and invite the bot, and whoever is in an
        incident's room is let in to read it (`chat_commands`)."""
        if room_id not in self._rooms:
            event = self.client.state_event(room_id, INCIDENT_STATE) or {}
            ours = event.get("sender") == self.client.config.user_id
            ref = (event.get("content") or {}).get("ref") if ours else None
            if event and not ours:
                log.warning(
                    "matrix_foreign_incident_state", room=room_id, sender=event.get("sender")
                )
            self._rooms[room_id] = ref if isinstance(ref, str) else None
        return self._rooms[room_id]

    def sync_once(self, timeout_ms: int | None = None) -> int:
        """One long-poll; returns how many commands it handled."""
        engine = self.wr.db.write
        since = chat_state.get_cursor(engine, CURSOR)
        batch = self.client.sync(since, self.timeout_ms if timeout_ms is None else timeout_ms)
        handled = 0
        rooms = batch.get("rooms", {})
        for room_id in rooms.get("invite", {}):
            try:
                self.client.join(room_id)
            except DeliveryError:
                log.warning("matrix_join_failed", room=room_id)
        for room_id, room in rooms.get("join", {}).items():
            for event in room.get("timeline", {}).get("events", []):
                if self._command(room_id, event):
                    handled += 1
        # Saved after the events: a crash in between re-reads them, and each command is
        # keyed by its event id, so nothing runs twice.
        chat_state.set_cursor(engine, CURSOR, batch["next_batch"], now=self.wr.clock.now())
        return handled

    def _command(self, room_id: str, event: dict[str, Any]) -> bool:
        content = event.get("content") or {}
        body = content.get("body")
        if (
            event.get("type") != "m.room.message"
            or event.get("sender") == self.client.config.user_id
            or not isinstance(body, str)
            or not body.strip().lower().startswith(PREFIX)
        ):
            return False
        # An unknown sender stays their Matrix id (`@x:server`), which is never a handle.
        by, access = chat_person(self.wr, matrix_id=event["sender"], fallback=event["sender"])
        request = ChatRequest(
            text=body.strip()[len(PREFIX) :],
            ref=self.incident_of(room_id),
            by=by,
            request_id=event["event_id"],
            source="matrix",
            access=access,
        )
        answer = handle(self.wr.bus, request)
        self.client.send_text(room_id, answer, key=f"reply:{event['event_id']}", notice=True)
        return True

    def run(self, stop: threading.Event) -> None:
        log.info("matrix_bot_started", user=self.client.config.user_id)
        while not stop.is_set():
            try:
                self.sync_once()
            except Exception:  # the homeserver may be restarting: wait and poll again
                log.exception("matrix_sync_failed")
                stop.wait(2.0)
        log.info("matrix_bot_stopped")
