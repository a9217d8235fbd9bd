"""Schemas of the retrospective meeting and the customer postmortem."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from warroom.entrypoints.api.schemas import Name, Text, Url, When, _In


class RetrospectiveSchedule(_In):
    starts_at: AwareDatetime = Field(description="When the meeting starts (ISO 8601 with zone).")
    duration_minutes: int = Field(60, ge=15, le=480)
    participants: list[Name] = Field(
        default_factory=list,
        max_length=200,
        description="People to invite; everyone who held a role if empty.",
    )
    location: Name | None = None
    url: Url | None = Field(None, description="The video bridge or meeting link.")
    force: bool = Field(False, description="Schedule after the policy's deadline (needs reason).")
    reason: Text = ""
    occurred_at: When = None


class RetroMeetingPublic(BaseModel):
    ref: str
    starts_at: datetime
    ends_at: datetime
    duration_minutes: int
    participants: list[str]
    location: str | None
    url: str | None
    sequence: int = Field(description="0 when first scheduled, +1 for each move.")
    scheduled_at: datetime
    scheduled_by: str
    deadline: datetime | None
    forced_reason: str | None
    agenda: str


class CustomerPostmortemUpdate(_In):
    body: Annotated[str, StringConstraints(min_length=1, max_length=200_000)] | None = Field(
        None, description="Markdown; omit to draft it afresh from the public record."
    )


class CustomerPostmortemPublish(_In):
    occurred_at: When = None
