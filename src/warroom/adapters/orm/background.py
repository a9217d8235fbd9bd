"""Durable timers and the notification outbox: written with the state change that causes them."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from warroom.adapters.orm.base import metadata
from warroom.adapters.orm.types import JSONType, UTCDateTime

timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True),
    # Scheduling the same key again replaces the timer instead of adding a second one.
    Column("key", String(300), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE")),
    Column("attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime),
    Column("locked_by", String(100)),
    Column("last_error", Text),
    Column("dead_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_timers_due_at", "due_at"),
    Index("ix_timers_incident_id", "incident_id"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    # The idempotency key: enqueueing the same message twice keeps one row, and the
    # channel uses it (Matrix transaction id, email Message-ID) so a retry is not seen twice.
    Column("key", String(300), nullable=False, unique=True),
    Column("channel", String(32), nullable=False),
    Column("destination", String(1000), nullable=False),
    Column("subject", String(1000), nullable=False),
    Column("body", Text, nullable=False),
    Column("payload", JSONType, nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE")),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("locked_by", String(100)),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    # What the channel answered (a Matrix room and event id, a Slack ts), for later steps.
    Column("result", JSONType),
    Index("ix_outbox_status_next", "status", "next_attempt_at"),
    Index("ix_outbox_incident_id", "incident_id"),
)
