"""Response shapes of the metrics API (documented in OpenAPI; rows are written with orjson)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class DurationSummary(BaseModel):
    count: int
    mean_seconds: float | None
    median_seconds: float | None
    p90_seconds: float | None


class DurationGroup(BaseModel):
    group: str
    mtta: DurationSummary
    time_to_identify: DurationSummary
    mttm: DurationSummary
    mttr: DurationSummary


class DurationsPublic(BaseModel):
    overall: DurationGroup
    by_severity: list[DurationGroup]
    by_service: list[DurationGroup]
    by_month: list[DurationGroup]


class IncidentCounts(BaseModel):
    total: int
    open: int
    by_severity: dict[str, int]
    by_stage: dict[str, int]


class UpdateAdherence(BaseModel):
    audience: str
    due: int
    on_time: int
    late: int
    missed: int
    adherence: float | None


class RetrospectiveAdherence(BaseModel):
    held_on_time: int
    held_late: int
    breached: int
    pending: int
    adherence: float | None


class FollowUpCounts(BaseModel):
    total: int
    done: int
    not_doing: int
    open: int
    overdue: int
    completion: float | None


class MetricsPublic(BaseModel):
    filter: dict[str, object]
    generated_at: datetime
    definitions: dict[str, str]
    incidents: IncidentCounts
    durations: DurationsPublic
    updates: list[UpdateAdherence]
    retrospectives: RetrospectiveAdherence
    followups: FollowUpCounts
