"""Due clocks of an incident (update cadences, the retrospective), mapped as its children."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import relationship

from warroom.adapters.orm.base import mapper_registry, metadata
from warroom.adapters.orm.types import UTCDateTime
from warroom.domain.due_clocks import DueClock
from warroom.domain.incident import Incident

incident_clocks = Table(
    "incident_clocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("base_at", UTCDateTime, nullable=False),
    Column("promised_at", UTCDateTime),
    Column("reminded_at", UTCDateTime),
    Column("overdue_at", UTCDateTime),
    Column("done_at", UTCDateTime),
    UniqueConstraint("incident_id", "name", name="uq_incident_clocks_name"),
    Index("ix_incident_clocks_due", "name", "due_at"),
)


def map_clocks() -> None:
    """Map DueClock and give Incident its `clocks` (after the incident mapping exists)."""
    mapper_registry.map_imperatively(DueClock, incident_clocks)
    sa_inspect(Incident).add_property(
        "clocks",
        relationship(
            DueClock, order_by=incident_clocks.c.id, lazy="selectin", cascade="all, delete-orphan"
        ),
    )
