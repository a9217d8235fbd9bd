"""The audit log: one append-only row per command, written in the command's transaction."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from warroom.adapters.orm.base import metadata
from warroom.adapters.orm.types import JSONType, UTCDateTime

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(500), nullable=False),
    Column("role", String(20)),
    # api, console, cli, slack, matrix, intake, status-page, worker, internal
    Column("channel", String(20), nullable=False),
    Column("client_ip", String(100)),
    Column("user_agent", String(500)),
    Column("command", String(100), nullable=False),
    # The incidents touched, as ",INC-3,INC-7," so one LIKE finds a reference on both databases.
    Column("refs", String(2000), nullable=False, default=""),
    Column("fields", JSONType, nullable=False),
    Column("changes", JSONType, nullable=False),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor", "actor"),
    Index("ix_audit_log_command", "command"),
)
