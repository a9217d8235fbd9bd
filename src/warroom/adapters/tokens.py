"""API tokens: random secrets shown once, stored as SHA-256 hashes.

A token belongs to a user or to a service. A user's token is scoped: its role (read =
viewer, write = responder, admin) is a ceiling, and the user's current role another, so
a token never exceeds its user; disabling the user stops the token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from warroom.adapters.audit_log import AuditedWrites
from warroom.adapters.orm.auth import api_tokens, console_sessions, users
from warroom.domain.access import AccessRole, Principal, capped
from warroom.domain.errors import InvalidInput, NotFound

PREFIX = "wr_"


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash cannot be brute-forced;
    # a slow password hash would only add latency to every API call.
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    id: int
    name: str
    role: AccessRole
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    user: str | None = None


class TokenStore:
    """Creating and revoking tokens is audited (`AuditedWrites`); the value never is."""

    def __init__(self, engine: Engine, *, writes: AuditedWrites) -> None:
        self.engine = engine
        self.writes = writes

    def create(
        self,
        *,
        name: str,
        role: AccessRole,
        now: datetime,
        expires_at: datetime | None = None,
        user_id: int | None = None,
    ) -> tuple[str, TokenRecord]:
        """Make a token; the plain value is returned here and never again."""
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidInput("name", "must be 1 to 200 characters")
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("expires_at", "must be in the future")
        token = PREFIX + secrets.token_urlsafe(32)
        fields = {"name": name, "role": role, "expires_at": expires_at, "user_id": user_id}
        with self.writes.begin("CreateToken", fields) as conn:
            token_id = conn.execute(
                insert(api_tokens)
                .values(
                    name=name,
                    role=str(role),
                    token_hash=hash_token(token),
                    prefix=token[:10],
                    created_at=now,
                    expires_at=expires_at,
                    user_id=user_id,
                )
                .returning(api_tokens.c.id)
            ).scalar_one()
            handle = (
                conn.execute(select(users.c.handle).where(users.c.id == user_id)).scalar_one()
                if user_id is not None
                else None
            )
        return token, TokenRecord(token_id, name, role, token[:10], now, expires_at, None, handle)

    def verify(self, token: str, now: datetime) -> Principal | None:
        """The principal for a valid, unexpired, unrevoked token; None otherwise."""
        return self._principal(api_tokens.c.token_hash == hash_token(token), now)

    def principal_by_id(self, token_id: int, now: datetime) -> Principal | None:
        """The principal of a token that is still valid (for sessions begun with it)."""
        return self._principal(api_tokens.c.id == token_id, now)

    def _principal(self, where: Any, now: datetime) -> Principal | None:
        stmt = (
            select(
                api_tokens,
                users.c.handle,
                users.c.role.label("user_role"),
                users.c.disabled_at,
            )
            .select_from(api_tokens.outerjoin(users, users.c.id == api_tokens.c.user_id))
            .where(where)
        )
        with self.engine.connect() as conn:
            row = conn.execute(stmt).one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= now:
            return None
        if row.user_id is None:
            return Principal(name=row.name, role=AccessRole(row.role), token_id=row.id)
        if row.disabled_at is not None:
            return None
        return Principal(
            name=row.handle,
            role=capped(AccessRole(row.role), AccessRole(row.user_role)),
            token_id=row.id,
            user_id=row.user_id,
        )

    def list(self, *, user_id: int | None = None) -> list[TokenRecord]:
        stmt = (
            select(api_tokens, users.c.handle)
            .select_from(api_tokens.outerjoin(users, users.c.id == api_tokens.c.user_id))
            .order_by(api_tokens.c.id)
        )
        if user_id is not None:
            stmt = stmt.where(api_tokens.c.user_id == user_id)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            TokenRecord(
                r.id,
                r.name,
                AccessRole(r.role),
                r.prefix,
                r.created_at,
                r.expires_at,
                r.revoked_at,
                r.handle,
            )
            for r in rows
        ]

    def revoke(self, token_id: int, now: datetime, *, user_id: int | None = None) -> None:
        """Revoke a token (only one of `user_id`'s when given) and end sessions begun with it."""
        where = [api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None)]
        if user_id is not None:
            where.append(api_tokens.c.user_id == user_id)
        fields = {"id": token_id, "user_id": user_id}
        with self.writes.begin("RevokeToken", fields) as conn:
            done = conn.execute(update(api_tokens).where(*where).values(revoked_at=now)).rowcount
            if not done:  # raised inside: nothing commits, no audit row
                raise NotFound("token", str(token_id))
            conn.execute(
                update(console_sessions)
                .where(
                    console_sessions.c.token_id == token_id,
                    console_sessions.c.ended_at.is_(None),
                )
                .values(ended_at=now)
            )
