"""API shapes for notifications and template previews."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from warroom.domain.enums import Audience


class NotificationPublic(BaseModel):
    id: int
    key: str
    channel: str
    destination: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    created_at: datetime
    sent_at: datetime | None
    incident: str | None
    step: str | None
    op: str | None
    result: dict[str, Any] | None


class NotificationsPublic(BaseModel):
    data: list[NotificationPublic]
    count: int
    by_status: dict[str, int] = {}


class RetryPublic(BaseModel):
    id: int
    status: str


class PreviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    text: Annotated[str, StringConstraints(max_length=10_000)] = ""
    audience: Audience | None = Field(None, description="Whose cadence fills `next_update`.")


class PreviewPublic(BaseModel):
    template: str
    text: str


class TemplatesPublic(BaseModel):
    data: list[str]
