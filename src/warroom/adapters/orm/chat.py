"""Chat state kept between runs: sync cursors and the inbound requests already seen."""

from __future__ import annotations

from sqlalchemy import Column, String, Table, Text

from warroom.adapters.orm.base import metadata
from warroom.adapters.orm.types import UTCDateTime

# Named cursors, e.g. the Matrix bot's `next_batch` sync token: a restarted bot resumes
# where it stopped instead of replaying (or skipping) the room history.
chat_cursors = Table(
    "chat_cursors",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Inbound requests already accepted (a Slack signature, a Matrix event id): a replayed
# request is refused instead of acting twice.
chat_seen = Table(
    "chat_seen",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("seen_at", UTCDateTime, nullable=False),
)
