"""`incident_facts`: one row per incident with what the metrics aggregate, kept on write.

Written by `adapters/facts.py` in the transaction of every command that touches the
incident (and filled by the migration that adds it); the dashboard aggregates this narrow
table instead of replaying every incident's timeline.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table

from warroom.adapters.orm.base import metadata
from warroom.adapters.orm.types import UTCDateTime
from warroom.domain.enums import Audience

AUDIENCES: tuple[str, ...] = tuple(a.value for a in Audience)


def _cadence_columns() -> list[Column[object]]:
    """Per audience: updates on time and late (within the cadence's window), the last update
    in the window, and the seconds allowed between updates (cadence + grace) at the
    incident's severity under the policy the row was computed with (NULL: no cadence)."""
    columns: list[Column[object]] = []
    for audience in AUDIENCES:
        columns += [
            Column(f"{audience}_on_time", Integer, nullable=False, server_default="0"),
            Column(f"{audience}_late", Integer, nullable=False, server_default="0"),
            Column(f"{audience}_last_update_at", UTCDateTime),
            Column(f"{audience}_allowed", Float),
        ]
    return columns


incident_facts = Table(
    "incident_facts",
    metadata,
    Column(
        "incident_id",
        Integer,
        ForeignKey("incidents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("severity", String(64), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("drill", Boolean, nullable=False),
    Column("restricted", Boolean, nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    # YYYY-MM of the declaration (UTC), the dashboard's month.
    Column("month", String(7), nullable=False),
    Column("mitigated_at", UTCDateTime),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    # The durations of `domain.metrics.MEASURES` in seconds (milliseconds kept, never
    # negative); NULL until both milestones exist.
    Column("mtta", Float),
    Column("time_to_identify", Float),
    Column("mttm", Float),
    Column("mttr", Float),
    *_cadence_columns(),
    Column("retrospective_due_at", UTCDateTime),
    Column("retrospective_done_at", UTCDateTime),
    Column("followups_open", Integer, nullable=False, server_default="0"),
    Column("followups_done", Integer, nullable=False, server_default="0"),
    Column("followups_not_doing", Integer, nullable=False, server_default="0"),
    Index("ix_incident_facts_declared", "declared_at"),
    Index("ix_incident_facts_severity", "severity", "declared_at"),
)
