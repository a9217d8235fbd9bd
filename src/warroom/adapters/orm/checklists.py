"""Tables of the checklists and of the affected customers, mapped onto the Incident aggregate.

The children are loaded when first touched (`lazy="select"`), so commands and views that
never look at a checklist or a customer list do not pay for them.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import class_mapper, relationship

from warroom.adapters.orm.base import mapper_registry, metadata
from warroom.adapters.orm.types import JSONType, StrEnumType, UTCDateTime
from warroom.domain.checklist_state import ChecklistMark, StageArrival
from warroom.domain.checklists import ChecklistStatus
from warroom.domain.customers import (
    AffectedCustomer,
    ContactMethod,
    ContactOutcome,
    CustomerContact,
    ReportChannel,
    Verification,
)
from warroom.domain.enums import Stage
from warroom.domain.incident import Incident


def _incident_fk() -> Column[int]:
    return Column(
        "incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )


checklist_marks = Table(
    "checklist_marks",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("item_id", String(64), nullable=False),
    Column("status", StrEnumType(ChecklistStatus), nullable=False),
    Column("by", String(500), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("auto_event", String(100)),
    Column("reminded_at", UTCDateTime),
    UniqueConstraint("incident_id", "item_id", name="uq_checklist_marks_item"),
)

checklist_stage_arrivals = Table(
    "checklist_stage_arrivals",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("stage", StrEnumType(Stage), nullable=False),
    Column("reached_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "stage", name="uq_checklist_stage_arrivals_stage"),
)

affected_customers = Table(
    "affected_customers",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("number", Integer, nullable=False),
    Column("name", String(2000), nullable=False),
    Column("contact", String(500), nullable=False, default=""),
    Column("tier", String(500)),
    Column("reported_via", StrEnumType(ReportChannel)),
    Column("added_at", UTCDateTime, nullable=False),
    Column("added_by", String(500), nullable=False),
    Column("verification", StrEnumType(Verification), nullable=False),
    Column("verified_at", UTCDateTime),
    Column("verified_by", String(500)),
    Column("verification_note", Text, nullable=False, default=""),
    UniqueConstraint("incident_id", "number", name="uq_affected_customers_number"),
)

customer_contacts = Table(
    "customer_contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "customer_id",
        Integer,
        ForeignKey("affected_customers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("at", UTCDateTime, nullable=False),
    Column("by", String(500), nullable=False),
    Column("method", StrEnumType(ContactMethod), nullable=False),
    Column("outcome", StrEnumType(ContactOutcome), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("answers", JSONType, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_customer_contacts_customer", "customer_id", "at"),
)


def map_checklists() -> None:
    """Map the classes and hang them on the already mapped Incident."""
    reg = mapper_registry
    reg.map_imperatively(ChecklistMark, checklist_marks)
    reg.map_imperatively(StageArrival, checklist_stage_arrivals)
    reg.map_imperatively(CustomerContact, customer_contacts)
    reg.map_imperatively(
        AffectedCustomer,
        affected_customers,
        properties={
            "contacts": relationship(
                CustomerContact,
                order_by=(customer_contacts.c.at, customer_contacts.c.id),
                lazy="select",
                cascade="all, delete-orphan",
            )
        },
    )
    mapper = class_mapper(Incident)
    for name, cls, order in (
        ("checklist", ChecklistMark, checklist_marks.c.id),
        ("stage_arrivals", StageArrival, checklist_stage_arrivals.c.id),
        ("customers", AffectedCustomer, affected_customers.c.number),
    ):
        mapper.add_property(
            name,
            relationship(cls, order_by=order, lazy="select", cascade="all, delete-orphan"),
        )
