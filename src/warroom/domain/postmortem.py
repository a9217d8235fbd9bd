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
    # The customer-facing version (document 003's post-post-mortem), edited separately.
    customer_body: str | None = None
    customer_updated_at: datetime | None = None
    customer_updated_by: str | None = None
    customer_published_at: datetime | None = None
    customer_published_by: str | None = None
