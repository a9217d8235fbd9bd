"""Tables of the incident aggregate and their imperative mapping onto the domain classes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import relationship

from warroom.adapters.orm.base import mapper_registry, metadata
from warroom.adapters.orm.types import JSONType, StrEnumType, UTCDateTime
from warroom.domain.enums import (
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    PostmortemStatus,
    RoleName,
    Stage,
    Visibility,
)
from warroom.domain.experiments import Experiment, Why
from warroom.domain.followups import FollowUp
from warroom.domain.incident import Incident
from warroom.domain.postmortem import Postmortem
from warroom.domain.roles import RoleAssignment
from warroom.domain.timeline import TimelineEntry


def _fk() -> Column[int]:
    return Column(
        "incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )


incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("title", String(2000), nullable=False),
    Column("functionality", String(500)),
    Column("state", String(500)),
    Column("audience", String(500)),
    Column("summary", Text, nullable=False, default=""),
    Column("severity", String(32), nullable=False, index=True),
    Column("stage", StrEnumType(Stage), nullable=False, index=True),
    Column("services", JSONType, nullable=False),
    Column("customers_affected", Integer, nullable=False, default=0),
    Column("whole_service", Boolean, nullable=False, default=False),
    Column("visibility", StrEnumType(Visibility), nullable=False),
    Column("drill", Boolean, nullable=False, default=False),
    Column("channel", String(200), nullable=False),
    Column("declared_by", String(500), nullable=False),
    Column("detected_at", UTCDateTime, nullable=False),
    Column("declared_at", UTCDateTime, nullable=False, index=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("identified_at", UTCDateTime),
    Column("mitigated_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("stage_entered_at", UTCDateTime, nullable=False),
    Column("last_update_internal_at", UTCDateTime),
    Column("last_update_customers_at", UTCDateTime),
    Column("last_update_observers_at", UTCDateTime),
    Column("links", JSONType, nullable=False),
)

# One row per (incident, service), kept in step by the repository, so that lists can be
# filtered by service with an index on both databases.
incident_services = Table(
    "incident_services",
    metadata,
    _fk(),
    Column("service", String(500), nullable=False),
    UniqueConstraint("incident_id", "service", name="uq_incident_services_pair"),
    Index("ix_incident_services_service", "service", "incident_id"),
)

UPDATES_ONLY = "kind IN ('status-update', 'customer-update')"

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    _fk(),
    Column("kind", StrEnumType(EntryKind), nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(500), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("data", JSONType, nullable=False),
    Index("ix_timeline_entries_incident_time", "incident_id", "occurred_at", "id"),
    # The status and customer updates alone, for the metrics' facts of a long timeline.
    Index(
        "ix_timeline_entries_updates",
        "incident_id",
        "occurred_at",
        "id",
        postgresql_where=text(UPDATES_ONLY),
        sqlite_where=text(UPDATES_ONLY),
    ),
)

role_assignments = Table(
    "role_assignments",
    metadata,
    Column("id", Integer, primary_key=True),
    _fk(),
    Column("role", StrEnumType(RoleName), nullable=False),
    Column("person", String(500), nullable=False, index=True),
    Column("assigned_at", UTCDateTime, nullable=False),
    Column("assigned_by", String(500), nullable=False),
    Column("released_at", UTCDateTime),
    Column("released_by", String(500)),
    Index("ix_role_assignments_incident", "incident_id"),
)

followups = Table(
    "followups",
    metadata,
    Column("id", Integer, primary_key=True),
    _fk(),
    Column("number", Integer, nullable=False),
    Column("title", String(2000), nullable=False),
    Column("kind", StrEnumType(FollowUpKind), nullable=False),
    Column("owner", String(500)),
    Column("due", Date),
    Column("ticket_url", String(2000)),
    Column("status", StrEnumType(FollowUpStatus), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(500), nullable=False),
    Column("closed_at", UTCDateTime),
    Column("closed_by", String(500)),
    UniqueConstraint("incident_id", "number", name="uq_followups_number"),
)

experiments = Table(
    "experiments",
    metadata,
    Column("id", Integer, primary_key=True),
    _fk(),
    Column("number", Integer, nullable=False),
    Column("hypothesis", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("owner", String(500)),
    Column("time_box_minutes", Integer),
    Column("status", StrEnumType(ExperimentStatus), nullable=False),
    Column("result", Text, nullable=False, default=""),
    Column("started_at", UTCDateTime, nullable=False),
    Column("started_by", String(500), nullable=False),
    Column("ended_at", UTCDateTime),
    UniqueConstraint("incident_id", "number", name="uq_experiments_number"),
)

whys = Table(
    "whys",
    metadata,
    Column("id", Integer, primary_key=True),
    _fk(),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(500), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "position", name="uq_whys_position"),
)

postmortems = Table(
    "postmortems",
    metadata,
    Column(
        "incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("body", Text, nullable=False),
    Column("status", StrEnumType(PostmortemStatus), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(500), nullable=False),
    Column("published_at", UTCDateTime),
    Column("published_by", String(500)),
    Column("customer_body", Text),
    Column("customer_updated_at", UTCDateTime),
    Column("customer_updated_by", String(500)),
    Column("customer_published_at", UTCDateTime),
    Column("customer_published_by", String(500)),
)


def map_incidents() -> None:
    """Map the aggregate's classes onto the tables above."""
    reg = mapper_registry
    reg.map_imperatively(RoleAssignment, role_assignments)
    reg.map_imperatively(FollowUp, followups)
    reg.map_imperatively(Experiment, experiments)
    reg.map_imperatively(Why, whys)
    reg.map_imperatively(Postmortem, postmortems)
    reg.map_imperatively(TimelineEntry, timeline_entries)

    def child(cls: type, order: Any) -> Any:
        return relationship(cls, order_by=order, lazy="selectin", cascade="all, delete-orphan")

    children: dict[str, Any] = {
        "roles": child(RoleAssignment, role_assignments.c.id),
        "followups": child(FollowUp, followups.c.number),
        "experiments": child(Experiment, experiments.c.number),
        "whys": child(Why, whys.c.position),
    }
    reg.map_imperatively(
        Incident,
        incidents,
        properties={
            "number": incidents.c.id,
            **children,
            "postmortem": relationship(
                Postmortem, uselist=False, lazy="selectin", cascade="all, delete-orphan"
            ),
        },
    )
    event.listen(Incident, "load", _on_load)


def _on_load(incident: Incident, _context: object) -> None:
    incident.init_transient()
