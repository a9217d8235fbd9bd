"""facts: incident_facts, one row per incident of what the metrics aggregate

Revision ID: 0014f_facts
Revises: 0014t_sessions
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from warroom.adapters import facts
from warroom.adapters.policy_file import load_policy

revision: str = "0014f_facts"
down_revision: str | None = "0014t_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIENCES = ("internal", "customers", "observers")
UPDATES_ONLY = "kind IN ('status-update', 'customer-update')"


def _time(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def _count(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    cadence: list[sa.Column[object]] = []
    for audience in AUDIENCES:
        cadence += [
            _count(f"{audience}_on_time"),
            _count(f"{audience}_late"),
            _time(f"{audience}_last_update_at"),
            sa.Column(f"{audience}_allowed", sa.Float(), nullable=True),
        ]
    op.create_table(
        "incident_facts",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.Column("restricted", sa.Boolean(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        _time("mitigated_at"),
        _time("resolved_at"),
        _time("closed_at"),
        sa.Column("mtta", sa.Float(), nullable=True),
        sa.Column("time_to_identify", sa.Float(), nullable=True),
        sa.Column("mttm", sa.Float(), nullable=True),
        sa.Column("mttr", sa.Float(), nullable=True),
        *cadence,
        _time("retrospective_due_at"),
        _time("retrospective_done_at"),
        _count("followups_open"),
        _count("followups_done"),
        _count("followups_not_doing"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_facts_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_incident_facts")),
    )
    op.create_index("ix_incident_facts_declared", "incident_facts", ["declared_at"])
    op.create_index("ix_incident_facts_severity", "incident_facts", ["severity", "declared_at"])
    op.create_index(
        "ix_timeline_entries_updates",
        "timeline_entries",
        ["incident_id", "occurred_at", "id"],
        postgresql_where=sa.text(UPDATES_ONLY),
        sqlite_where=sa.text(UPDATES_ONLY),
    )
    # Back-fill every existing incident under the policy the server runs (the standard one
    # when migrated without it); a server started under other cadences recomputes the
    # rows that differ (`facts.refresh_stale`).
    policy = context.config.attributes.get("policy") or load_policy("standard")
    facts.refresh(op.get_bind(), policy)


def downgrade() -> None:
    op.drop_index("ix_timeline_entries_updates", table_name="timeline_entries")
    op.drop_index("ix_incident_facts_severity", table_name="incident_facts")
    op.drop_index("ix_incident_facts_declared", table_name="incident_facts")
    op.drop_table("incident_facts")
