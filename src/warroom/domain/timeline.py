"""One entry of the append-only incident timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.domain.enums import EntryKind


@dataclass(eq=False)
class TimelineEntry:
    kind: EntryKind
    text: str
    author: str
    occurred_at: datetime
    recorded_at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    incident_id: int | None = None
    id: int | None = None
