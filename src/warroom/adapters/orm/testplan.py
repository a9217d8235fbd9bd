"""Tables of the test plan, fixes, automated tests and non-durable changes, mapped onto
the Incident aggregate (loaded when first touched)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import class_mapper, relationship

from warroom.adapters.orm.base import mapper_registry, metadata
from warroom.adapters.orm.types import StrEnumType, UTCDateTime
from warroom.domain.durability import NonDurableCategory, NonDurableItem
from warroom.domain.incident import Incident
from warroom.domain.testplan import (
    AutomatedTests,
    Fix,
    RequiredSigner,
    StepStatus,
    TestSignoff,
    TestStep,
)


def _incident_fk() -> Column[int]:
    return Column(
        "incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    )


test_steps = Table(
    "test_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("number", Integer, nullable=False),
    Column("title", String(2000), nullable=False),
    Column("customer_data", Boolean, nullable=False, default=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("added_by", String(500), nullable=False),
    Column("staging_status", StrEnumType(StepStatus), nullable=False),
    Column("staging_note", Text, nullable=False, default=""),
    Column("staging_by", String(500)),
    Column("staging_at", UTCDateTime),
    Column("production_status", StrEnumType(StepStatus), nullable=False),
    Column("production_note", Text, nullable=False, default=""),
    Column("production_by", String(500)),
    Column("production_at", UTCDateTime),
    UniqueConstraint("incident_id", "number", name="uq_test_steps_number"),
)

test_signers = Table(
    "test_signers",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("person", String(500), nullable=False),
    Column("added_by", String(500), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "person", name="uq_test_signers_person"),
)

test_signoffs = Table(
    "test_signoffs",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("person", String(500), nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "person", name="uq_test_signoffs_person"),
)

automated_tests = Table(
    "automated_tests",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("number", Integer, nullable=False),
    Column("url", String(2000), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("recorded_by", String(500), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_id", "number", name="uq_automated_tests_number"),
)

fixes = Table(
    "fixes",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("number", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("tested", Boolean, nullable=False),
    Column("recorded_by", String(500), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("dropped_from", String(32)),
    Column("dropped_to", String(32)),
    Column("covered_at", UTCDateTime),
    UniqueConstraint("incident_id", "number", name="uq_fixes_number"),
)

non_durable_items = Table(
    "non_durable_items",
    metadata,
    Column("id", Integer, primary_key=True),
    _incident_fk(),
    Column("number", Integer, nullable=False),
    Column("category", StrEnumType(NonDurableCategory), nullable=False),
    Column("text", Text, nullable=False),
    Column("flagged_by", String(500), nullable=False),
    Column("flagged_at", UTCDateTime, nullable=False),
    Column("entry_id", Integer),
    Column("followup", Integer),
    Column("waiver", Text, nullable=False, default=""),
    Column("waived_by", String(500)),
    Column("waived_at", UTCDateTime),
    UniqueConstraint("incident_id", "number", name="uq_non_durable_items_number"),
)


def map_testplan() -> None:
    """Map the classes and hang them on the already mapped Incident."""
    mapper = class_mapper(Incident)
    for name, cls, table in (
        ("test_steps", TestStep, test_steps),
        ("test_signers", RequiredSigner, test_signers),
        ("test_signoffs", TestSignoff, test_signoffs),
        ("automated_tests", AutomatedTests, automated_tests),
        ("fixes", Fix, fixes),
        ("non_durable", NonDurableItem, non_durable_items),
    ):
        mapper_registry.map_imperatively(cls, table)
        mapper.add_property(
            name,
            relationship(cls, order_by=table.c.id, lazy="select", cascade="all, delete-orphan"),
        )
