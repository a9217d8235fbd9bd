"""checklists and affected customers

Revision ID: 0007_checklists
Revises: 0006_status
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_checklists"
down_revision: str | None = "0006_status"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _incident_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["incident_id"],
        ["incidents.id"],
        name=op.f(f"fk_{table}_incident_id_incidents"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "affected_customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=2000), nullable=False),
        sa.Column("contact", sa.String(length=500), nullable=False),
        sa.Column("tier", sa.String(length=500), nullable=True),
        sa.Column("reported_via", sa.String(length=32), nullable=True),
        _when("added_at", False),
        sa.Column("added_by", sa.String(length=500), nullable=False),
        sa.Column("verification", sa.String(length=32), nullable=False),
        _when("verified_at", True),
        sa.Column("verified_by", sa.String(length=500), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=False),
        _incident_fk("affected_customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affected_customers")),
        sa.UniqueConstraint("incident_id", "number", name="uq_affected_customers_number"),
    )
    op.create_table(
        "checklist_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("by", sa.String(length=500), nullable=False),
        _when("at", False),
        _when("recorded_at", False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("auto_event", sa.String(length=100), nullable=True),
        _when("reminded_at", True),
        _incident_fk("checklist_marks"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_marks")),
        sa.UniqueConstraint("incident_id", "item_id", name="uq_checklist_marks_item"),
    )
    op.create_table(
        "checklist_stage_arrivals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        _when("reached_at", False),
        _incident_fk("checklist_stage_arrivals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_stage_arrivals")),
        sa.UniqueConstraint("incident_id", "stage", name="uq_checklist_stage_arrivals_stage"),
    )
    op.create_table(
        "customer_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        _when("at", False),
        sa.Column("by", sa.String(length=500), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "answers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        _when("recorded_at", False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["affected_customers.id"],
            name=op.f("fk_customer_contacts_customer_id_affected_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contacts")),
    )
    with op.batch_alter_table("customer_contacts", schema=None) as batch_op:
        batch_op.create_index("ix_customer_contacts_customer", ["customer_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_contacts_customer")
    op.drop_table("customer_contacts")
    op.drop_table("checklist_stage_arrivals")
    op.drop_table("checklist_marks")
    op.drop_table("affected_customers")
