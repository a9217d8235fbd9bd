"""test plans, fixes, automated tests and non-durable changes

Revision ID: 0009_testplans
Revises: 0004_clocks
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_testplans"
down_revision: str | None = "0004_clocks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _when(name: str, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _table(name: str, unique: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f(f"fk_{name}_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("incident_id", unique, name=f"uq_{name}_{unique}"),
    )


def _who(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.String(length=500), nullable=nullable)


def upgrade() -> None:
    _table(
        "test_steps",
        "number",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=2000), nullable=False),
        sa.Column("customer_data", sa.Boolean(), nullable=False),
        _when("added_at", False),
        _who("added_by"),
        sa.Column("staging_status", sa.String(length=32), nullable=False),
        sa.Column("staging_note", sa.Text(), nullable=False),
        _who("staging_by", True),
        _when("staging_at", True),
        sa.Column("production_status", sa.String(length=32), nullable=False),
        sa.Column("production_note", sa.Text(), nullable=False),
        _who("production_by", True),
        _when("production_at", True),
    )
    _table(
        "test_signers",
        "person",
        _who("person"),
        _who("added_by"),
        _when("added_at", False),
    )
    _table(
        "test_signoffs",
        "person",
        _who("person"),
        _when("signed_at", False),
        _when("recorded_at", False),
    )
    _table(
        "automated_tests",
        "number",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _who("recorded_by"),
        _when("recorded_at", False),
    )
    _table(
        "fixes",
        "number",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tested", sa.Boolean(), nullable=False),
        _who("recorded_by"),
        _when("recorded_at", False),
        sa.Column("dropped_from", sa.String(length=32), nullable=True),
        sa.Column("dropped_to", sa.String(length=32), nullable=True),
        _when("covered_at", True),
    )
    _table(
        "non_durable_items",
        "number",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        _who("flagged_by"),
        _when("flagged_at", False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("followup", sa.Integer(), nullable=True),
        sa.Column("waiver", sa.Text(), nullable=False),
        _who("waived_by", True),
        _when("waived_at", True),
    )


def downgrade() -> None:
    for name in (
        "non_durable_items",
        "fixes",
        "automated_tests",
        "test_signoffs",
        "test_signers",
        "test_steps",
    ):
        op.drop_table(name)
