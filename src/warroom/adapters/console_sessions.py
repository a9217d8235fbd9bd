"""Console sessions kept on the server: a random id in the cookie, its hash in the table.

A session is ended by setting `ended_at` (sign-out, "end my other sessions", an admin,
disabling the user); an ended, expired or unknown session reads as None. The principal
is worked out again at every read, so a changed role or a revoked token reaches it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from warroom.adapters.audit_log import AuditedWrites
from warroom.adapters.orm.auth import console_sessions, users
from warroom.adapters.tokens import TokenStore
from warroom.domain.access import AccessRole, Principal

# last_seen_at is written at most this often per session, so reads stay reads.
TOUCH_EVERY = timedelta(minutes=1)


def hash_session(session_id: str) -> str:
    # The id carries 256 bits of randomness: a fast hash is enough (as for API tokens).
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRecord:
    id: int
    principal: str
    user: str | None
    token_id: int | None
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None
    client_ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Found:
    """A live session and who it acts for."""

    id: int
    principal: Principal


class SessionStore:
    """Beginning and ending sessions is audited (`AuditedWrites`): SignIn, SignOut,
    EndSessions; touching `last_seen_at` is bookkeeping and is not."""

    def __init__(
        self, engine: Engine, tokens: TokenStore, max_age: timedelta, *, writes: AuditedWrites
    ) -> None:
        self.engine = engine
        self.writes = writes
        self.tokens = tokens
        self.max_age = max_age

    def begin(
        self,
        principal: Principal,
        *,
        now: datetime,
        client_ip: str | None = None,
        user_agent: str | None = None,
    ) -> str:
        """Start a session; the returned id goes in the cookie and is stored only hashed."""
        session_id = secrets.token_urlsafe(32)
        fields = {
            "principal": principal.name,
            "role": principal.role,
            "user_id": principal.user_id,
            "kind": "user" if principal.token_id is None else "api token",
        }
        with self.writes.begin("SignIn", fields, actor=principal.name) as conn:
            conn.execute(
                insert(console_sessions).values(
                    session_hash=hash_session(session_id),
                    user_id=principal.user_id,
                    token_id=principal.token_id,
                    principal=principal.name[:200],
                    created_at=now,
                    last_seen_at=now,
                    client_ip=(client_ip or None) and client_ip[:100],
                    user_agent=(user_agent or None) and user_agent[:500],
                )
            )
        return session_id

    def find(self, session_id: str, now: datetime) -> Found | None:
        """The live session with this id and its principal now; None if ended or invalid."""
        stmt = (
            select(
                console_sessions.c.id,
                console_sessions.c.user_id,
                console_sessions.c.token_id,
                console_sessions.c.created_at,
                console_sessions.c.last_seen_at,
                console_sessions.c.ended_at,
                users.c.handle,
                users.c.role,
                users.c.disabled_at,
            )
            .select_from(
                console_sessions.outerjoin(users, users.c.id == console_sessions.c.user_id)
            )
            .where(console_sessions.c.session_hash == hash_session(session_id))
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).one_or_none()
        if row is None or row.ended_at is not None or row.created_at + self.max_age <= now:
            return None
        principal = self._principal(row, now)
        if principal is None:
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            with self.engine.begin() as conn:
                conn.execute(
                    update(console_sessions)
                    .where(console_sessions.c.id == row.id)
                    .values(last_seen_at=now)
                )
        return Found(row.id, principal)

    def _principal(self, row: Any, now: datetime) -> Principal | None:
        if row.token_id is not None:
            return self.tokens.principal_by_id(row.token_id, now)
        if row.handle is None or row.disabled_at is not None:
            return None
        return Principal(name=row.handle, role=AccessRole(row.role), user_id=row.user_id)

    def end(self, session_id: str, now: datetime) -> None:
        """End the session with this id (sign-out)."""
        self._end("SignOut", {}, now, console_sessions.c.session_hash == hash_session(session_id))

    def end_by_id(self, session_id: int, now: datetime, *, user_id: int | None = None) -> int:
        """End one session by its row id (only one of `user_id`'s when given)."""
        where = [console_sessions.c.id == session_id]
        if user_id is not None:
            where.append(console_sessions.c.user_id == user_id)
        return self._end("EndSessions", {"id": session_id, "user_id": user_id}, now, *where)

    def end_for_user(self, user_id: int, now: datetime, *, keep: int | None = None) -> int:
        """End every live session of a user (but `keep`, the caller's own); how many ended."""
        where = [console_sessions.c.user_id == user_id]
        if keep is not None:
            where.append(console_sessions.c.id != keep)
        fields = {"user_id": user_id, "all_but_current": keep is not None}
        return self._end("EndSessions", fields, now, *where)

    def _end(self, command: str, fields: dict[str, Any], now: datetime, *where: Any) -> int:
        with self.writes.begin(command, fields) as conn:
            result = conn.execute(
                update(console_sessions)
                .where(console_sessions.c.ended_at.is_(None), *where)
                .values(ended_at=now)
            )
        return int(result.rowcount or 0)

    def list(self, *, user_id: int, now: datetime, live: bool = True) -> list[SessionRecord]:
        """A user's sessions, newest first; with `live`, only those not ended or expired."""
        stmt = (
            select(console_sessions, users.c.handle)
            .select_from(
                console_sessions.outerjoin(users, users.c.id == console_sessions.c.user_id)
            )
            .where(console_sessions.c.user_id == user_id)
            .order_by(console_sessions.c.id.desc())
        )
        if live:
            stmt = stmt.where(
                console_sessions.c.ended_at.is_(None),
                console_sessions.c.created_at > now - self.max_age,
            )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt.limit(500)).all()
        return [
            SessionRecord(
                r.id,
                r.principal,
                r.handle,
                r.token_id,
                r.created_at,
                r.last_seen_at,
                r.ended_at,
                r.client_ip,
                r.user_agent,
            )
            for r in rows
        ]
