"""The directory: people, teams (with members) and the service catalog."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text, Time

from warroom.adapters.orm.base import mapper_registry, metadata
from warroom.adapters.orm.types import JSONType
from warroom.domain.directory import Person, Service, Team

people = Table(
    "people",
    metadata,
    Column("handle", String(100), primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("email", String(320)),
    Column("phone", String(40)),
    Column("matrix_id", String(255)),
    Column("slack_id", String(64)),
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("waking_start", Time, nullable=False),
    Column("waking_end", Time, nullable=False),
)

teams = Table(
    "teams",
    metadata,
    Column("name", String(100), primary_key=True),
    # Handles in order; a JSON list keeps membership with the team it belongs to.
    Column("members", JSONType, nullable=False),
    Column("chat_channel", String(255)),
    Column("email", String(320)),
)

services = Table(
    "services",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("team", String(100), ForeignKey("teams.name", ondelete="SET NULL")),
    Column("smes", JSONType, nullable=False),
    Column("escalation_policy", String(100)),
    Column("schedule", String(100)),
    Column("status_component", String(100)),
    Column("runbook_url", String(2000)),
    Column("description", Text, nullable=False, default=""),
    Column("sort_order", Integer, nullable=False, default=0),
)


def map_directory() -> None:
    mapper_registry.map_imperatively(Person, people)
    mapper_registry.map_imperatively(Team, teams)
    mapper_registry.map_imperatively(Service, services, exclude_properties=["sort_order"])
