"""The postmortem: drafted from the record, edited by people, then published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.enums import PostmortemStatus


@dataclass(eq=False)
class Postmortem:
    body: str
    created_at: datetime
    updated_at: datetime
    updated_by: str
    status: PostmortemStatus = PostmortemStatus.DRAFT
    published_at: datetime | None = None
    published_by: str | None = None
