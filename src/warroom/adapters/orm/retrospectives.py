"""The retrospective meeting of an incident (one row per incident), mapped as its child."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import relationship

from warroom.adapters.orm.base import mapper_registry, metadata
from warroom.adapters.orm.types import JSONType, UTCDateTime
from warroom.domain.incident import Incident
from warroom.domain.retrospective import RetroMeeting

retro_meetings = Table(
    "retro_meetings",
    metadata,
    Column(
        "incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("participants", JSONType, nullable=False),
    Column("location", String(500)),
    Column("url", String(2000)),
    Column("sequence", Integer, nullable=False),
    Column("scheduled_at", UTCDateTime, nullable=False),
    Column("scheduled_by", String(500), nullable=False),
    Column("forced_reason", Text),
)


def map_retrospectives() -> None:
    """Map RetroMeeting and give Incident its `retro_meeting` (after the incident mapping)."""
    mapper_registry.map_imperatively(RetroMeeting, retro_meetings)
    sa_inspect(Incident).add_property(
        "retro_meeting",
        relationship(RetroMeeting, uselist=False, lazy="selectin", cascade="all, delete-orphan"),
    )
