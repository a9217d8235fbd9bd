"""Alert intake: integrations (keyed sources) and the deduplicated alerts they send."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from warroom.adapters.orm.base import metadata
from warroom.adapters.orm.types import JSONType, UTCDateTime

integrations = Table(
    "integrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    # SHA-256 of the key (the key itself is shown once, at creation or rotation).
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(12), nullable=False),
    Column("service", String(100)),
    Column("mapping", JSONType, nullable=False),
    Column("rate_limit_per_minute", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("rotated_at", UTCDateTime),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "integration_id",
        Integer,
        ForeignKey("integrations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("fingerprint", String(255), nullable=False),
    # The fingerprint while this row is the alert that events with it apply to; NULL once a
    # later occurrence replaced it. Unique per integration: the upsert key that keeps
    # deduplication right across processes (NULLs never collide).
    Column("open_fingerprint", String(255)),
    Column("status", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("severity", String(32)),
    Column("service", String(100)),
    Column("source", Text),
    Column("url", Text),
    Column("labels", JSONType, nullable=False),
    Column("annotations", JSONType, nullable=False),
    Column("rule", String(100)),
    Column("action", String(16)),
    Column("count", Integer, nullable=False),
    Column("flaps", Integer, nullable=False, default=0),
    Column("flapping", Boolean, nullable=False, default=False),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("page_id", Integer),
    Column("started_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("resolve_held_at", UTCDateTime),
    Index("uq_alerts_open", "integration_id", "open_fingerprint", unique=True),
    Index("ix_alerts_status", "status", "last_seen_at"),
    Index("ix_alerts_service", "service", "status"),
)
