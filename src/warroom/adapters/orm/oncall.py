"""On-call: schedules (layers as JSON), overrides, escalation policies (levels as JSON), pages."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from warroom.adapters.orm.base import metadata
from warroom.adapters.orm.types import JSONType, UTCDateTime

schedules = Table(
    "schedules",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("timezone", String(64), nullable=False),
    Column("description", Text, nullable=False, default=""),
    # Layers in order (bottom first), each {name, members, start, frequency, interval,
    # restrictions, until}: read and written whole, with the schedule.
    Column("layers", JSONType, nullable=False),
)

schedule_overrides = Table(
    "schedule_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "schedule",
        String(100),
        ForeignKey("schedules.name", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("person", String(100), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_schedule_overrides_schedule_time", "schedule", "starts_at"),
)

escalation_policies = Table(
    "escalation_policies",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("repeats", Integer, nullable=False, default=0),
    # Levels in order, each {targets: ["schedule:primary", …], wait: "15m"}.
    Column("levels", JSONType, nullable=False),
)

pages = Table(
    "pages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("summary", Text, nullable=False),
    Column("policy", String(100)),
    Column("service", String(100)),
    Column("alert_id", Integer),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="SET NULL")),
    Column("status", String(16), nullable=False),
    Column("level", Integer, nullable=False, default=0),
    Column("round", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(200)),
    Column("resolved_at", UTCDateTime),
    # Who was paged, when, at which level: [{person, level, round, at, via}].
    Column("paged", JSONType, nullable=False),
    Index("ix_pages_status", "status", "created_at"),
    Index("ix_pages_alert_id", "alert_id"),
)
