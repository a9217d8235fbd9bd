"""The public status page's own tables: components, scheduled maintenance, subscribers."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text

from warroom.adapters.orm.base import metadata
from warroom.adapters.orm.types import JSONType, UTCDateTime

status_components = Table(
    "status_components",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("group_name", String(100)),
    Column("description", Text, nullable=False, default=""),
    Column("position", Integer, nullable=False, default=0),
    # Set by an admin; incidents on the component's services can only make it look worse.
    Column("status", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

status_maintenances = Table(
    "status_maintenances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("body", Text, nullable=False, default=""),
    # Component names; the maintenance shows on each of them while it is in progress.
    Column("components", JSONType, nullable=False),
    Column("scheduled_for", UTCDateTime, nullable=False, index=True),
    Column("scheduled_until", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

status_subscribers = Table(
    "status_subscribers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    # Component names; an empty list means every component.
    Column("components", JSONType, nullable=False),
    # The secret in the one-click unsubscribe link.
    Column("token", String(64), nullable=False, unique=True),
    Column("confirmed_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
