"""users: people who sign in, tokens owned by users, members of restricted incidents

Revision ID: 0012_users
Revises: 0004_clocks
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_users"
down_revision: str | None = "0009_testplans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("password_hash", sa.String(length=500), nullable=True),
        sa.Column("oidc_issuer", sa.String(length=500), nullable=True),
        sa.Column("oidc_subject", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("handle", name=op.f("uq_users_handle")),
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc"),
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_api_tokens_user_id_users"), "users", ["user_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_index(op.f("ix_api_tokens_user_id"), ["user_id"])
    op.create_table(
        "incident_members",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=100), nullable=False),
        sa.Column("added_by", sa.String(length=500), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_members_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("incident_id", "person", name=op.f("pk_incident_members")),
    )
    op.create_index("ix_incident_members_person", "incident_members", ["person", "incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_members_person", table_name="incident_members")
    op.drop_table("incident_members")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_index(op.f("ix_api_tokens_user_id"))
        batch.drop_constraint(op.f("fk_api_tokens_user_id_users"), type_="foreignkey")
        batch.drop_column("user_id")
    op.drop_table("users")
