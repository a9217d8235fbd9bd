"""postmortem: the retrospective meeting, the customer-facing postmortem

Revision ID: 0010_postmortem
Revises: 0004_clocks
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_postmortem"
down_revision: str | None = "0012_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CUSTOMER_COLUMNS = (
    ("customer_body", sa.Text()),
    ("customer_updated_at", sa.DateTime(timezone=True)),
    ("customer_updated_by", sa.String(length=500)),
    ("customer_published_at", sa.DateTime(timezone=True)),
    ("customer_published_by", sa.String(length=500)),
)


def upgrade() -> None:
    op.create_table(
        "retro_meetings",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "participants",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scheduled_by", sa.String(length=500), nullable=False),
        sa.Column("forced_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_retro_meetings_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_retro_meetings")),
    )
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        for name, type_ in CUSTOMER_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        for name, _ in reversed(CUSTOMER_COLUMNS):
            batch_op.drop_column(name)
    op.drop_table("retro_meetings")
