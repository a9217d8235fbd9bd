"""clocks: due clocks of incidents (update cadences, the retrospective)

Revision ID: 0004_clocks
Revises: 0008_oncall
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_clocks"
down_revision: str | None = "0008_oncall"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_clocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_clocks_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_clocks")),
        sa.UniqueConstraint("incident_id", "name", name="uq_incident_clocks_name"),
    )
    with op.batch_alter_table("incident_clocks", schema=None) as batch_op:
        batch_op.create_index("ix_incident_clocks_due", ["name", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_clocks", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_clocks_due")
    op.drop_table("incident_clocks")
