"""Schemas of the catalog, on-call, integration, alert and page endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from warroom.adapters.alert_formats import MAX_LABEL_VALUE, bound_map
from warroom.domain.integrations import IntegrationKind

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$", max_length=100)]
# A generic integration's field mapping, within the bounds of the senders' label maps.
FieldMapping = Annotated[
    dict[str, Any], AfterValidator(lambda value: bound_map(value, MAX_LABEL_VALUE))
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ImportReport(BaseModel):
    created: int
    updated: int
    unchanged: int
    by_kind: dict[str, dict[str, list[str]]]


class OverrideCreate(_In):
    person: Name
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Annotated[str, StringConstraints(max_length=2000)] = ""


class IntegrationCreate(_In):
    name: Name
    kind: IntegrationKind
    service: Name | None = None
    mapping: FieldMapping = Field(
        default_factory=dict,
        description="generic only: field → dotted path, e.g. {'title': 'alert.name'}",
    )
    rate_limit_per_minute: int = Field(600, ge=0, le=1_000_000, description="0: unlimited")


class IntegrationUpdate(_In):
    service: Name | None = None
    mapping: FieldMapping | None = None
    rate_limit_per_minute: int | None = Field(None, ge=0, le=1_000_000)


class IntegrationPublic(BaseModel):
    id: int
    name: str
    kind: IntegrationKind
    service: str | None
    mapping: dict[str, Any]
    rate_limit_per_minute: int
    key_prefix: str
    created_at: datetime | None
    rotated_at: datetime | None
    endpoint: str


class IntegrationKey(BaseModel):
    name: str
    key: str = Field(description="Shown once: store it in the sender's configuration")


class Shift(BaseModel):
    person: str
    start: datetime
    end: datetime
    source: str


class OnCallPublic(BaseModel):
    schedule: str
    at: datetime
    person: str | None
    shift: Shift | None
    next: Shift | None


class CoveragePublic(BaseModel):
    schedule: str
    start: datetime
    end: datetime
    shifts: list[Shift]
    gaps: list[dict[str, datetime]]


class PagePublic(BaseModel):
    id: int
    summary: str
    policy: str | None
    service: str | None
    alert_id: int | None
    incident_ref: str | None
    status: str
    level: int
    round: int
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    paged: list[dict[str, Any]]


class PageAck(_In):
    by: Name | None = Field(None, description="Defaults to the caller")
