"""Users, API tokens, incident membership and idempotency records."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from warroom.adapters.orm.base import metadata
from warroom.adapters.orm.types import JSONType, UTCDateTime

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handle", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(500)),
    Column("oidc_issuer", String(500)),
    Column("oidc_subject", String(500)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
    Column("disabled_at", UTCDateTime),
    UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    # A user's token acts as that user, never above the user's current role; a token
    # without a user is a service's.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), index=True),
    Column("name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

# A console session: the cookie carries a random id, the table only its SHA-256 hash, so
# a session can be ended on the server (sign-out, "end my other sessions", an admin).
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("session_hash", String(64), nullable=False, unique=True),
    # The user signed in; for a session begun with a user's token, that token's user.
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("token_id", Integer, ForeignKey("api_tokens.id", ondelete="CASCADE")),
    Column("principal", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("client_ip", String(100)),
    Column("user_agent", String(500)),
    Index("ix_console_sessions_user", "user_id", "ended_at"),
    Index("ix_console_sessions_token", "token_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("principal", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("result", JSONType, nullable=False),
    Column("status_code", Integer),
    Column("response", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_idempotency_keys_created", "created_at"),
)

# People let into a restricted incident without holding a role on it.
incident_members = Table(
    "incident_members",
    metadata,
    Column(
        "incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("person", String(100), primary_key=True),
    Column("added_by", String(500), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Index("ix_incident_members_person", "person", "incident_id"),
)

# Rate-limit buckets shared by every process (sign-in, status subscriptions): tokens left
# and when they were counted (Unix seconds), and whether the last request was let through.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("name", String(300), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("at", Float, nullable=False),
    Column("granted", Integer, nullable=False),
    Index("ix_rate_buckets_at", "at"),
)
