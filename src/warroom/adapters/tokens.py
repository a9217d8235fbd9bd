"""API tokens: random secrets shown once, stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from warroom.adapters.orm.auth import api_tokens
from warroom.domain.access import AccessRole, Principal
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


class TokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self, *, name: str, role: AccessRole, now: datetime, expires_at: datetime | None = None
    ) -> tuple[str, TokenRecord]:
        """Make a token; the plain value is returned here and never again."""
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidInput("name", "must be 1 to 200 characters")
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("expires_at", "must be in the future")
        token = PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            token_id = conn.execute(
                insert(api_tokens)
                .values(
                    name=name,
                    role=str(role),
                    token_hash=hash_token(token),
                    prefix=token[:10],
                    created_at=now,
                    expires_at=expires_at,
                )
                .returning(api_tokens.c.id)
            ).scalar_one()
        return token, TokenRecord(token_id, name, role, token[:10], now, expires_at, None)

    def verify(self, token: str, now: datetime) -> Principal | None:
        """The principal for a valid, unexpired, unrevoked token; None otherwise."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_tokens).where(api_tokens.c.token_hash == hash_token(token))
            ).one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= now:
            return None
        return Principal(name=row.name, role=AccessRole(row.role), token_id=row.id)

    def principal_by_id(self, token_id: int, now: datetime) -> Principal | None:
        """The principal of a token that is still valid (for sessions begun with it)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= now:
            return None
        return Principal(name=row.name, role=AccessRole(row.role), token_id=row.id)

    def list(self) -> list[TokenRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_tokens).order_by(api_tokens.c.id)).all()
        return [
            TokenRecord(
                r.id, r.name, AccessRole(r.role), r.prefix, r.created_at, r.expires_at, r.revoked_at
            )
            for r in rows
        ]

    def revoke(self, token_id: int, now: datetime) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount
        if not done:
            raise NotFound("token", str(token_id))
