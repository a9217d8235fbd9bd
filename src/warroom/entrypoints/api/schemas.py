"""Request and response schemas of the JSON API (XCreate / XUpdate / XPublic)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from warroom.domain.access import AccessRole
from warroom.domain.enums import (
    Audience,
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    RoleName,
    Stage,
    Visibility,
)

# Documented size limits; the policy may lower them and the domain enforces its own.
Title = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
When = Annotated[
    AwareDatetime | None,
    Field(description="When it really happened (ISO 8601 with zone); defaults to now."),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentCreate(_In):
    title: Title
    severity: Name | None = Field(
        None, description="A severity of the policy; its default if omitted."
    )
    functionality: Name | None = None
    state: Name | None = None
    audience: Name | None = None
    summary: Text = ""
    services: list[Name] = Field(default_factory=list, max_length=50)
    customers_affected: int = Field(0, ge=0, le=10_000_000)
    whole_service: bool = False
    visibility: Visibility | None = None
    drill: bool = False
    occurred_at: When = None
    detected_at: When = None
    force: bool = Field(False, description="Declare even if it looks like a duplicate.")


class IncidentUpdate(_In):
    title: Title | None = None
    functionality: Name | None = None
    state: Name | None = None
    audience: Name | None = None
    summary: Text | None = None
    services: list[Name] | None = Field(None, max_length=50)
    customers_affected: int | None = Field(None, ge=0, le=10_000_000)
    whole_service: bool | None = None
    visibility: Visibility | None = None
    links: dict[Name, Url] | None = Field(None, max_length=20)


class StageChange(_In):
    stage: Stage
    note: Text = ""
    occurred_at: When = None


class SeverityChange(_In):
    severity: Name
    reason: Text = ""
    occurred_at: When = None


class RoleAssign(_In):
    role: RoleName
    person: Name
    occurred_at: When = None


class Acknowledgement(_In):
    occurred_at: When = None


class TimelineEntryCreate(_In):
    kind: EntryKind = EntryKind.NOTE
    text: RequiredText
    occurred_at: When = None


class HookEntryCreate(TimelineEntryCreate):
    ref: Annotated[str, StringConstraints(min_length=1, max_length=20)] = Field(
        description="The incident, e.g. INC-3."
    )


class UpdateCreate(_In):
    audience: Audience
    text: RequiredText
    occurred_at: When = None
    template: Name | None = Field(
        None, description="A policy template (e.g. customer_update) rendered around `text`."
    )


class WhyCreate(_In):
    text: RequiredText
    occurred_at: When = None


class FollowUpCreate(_In):
    title: Title
    kind: FollowUpKind
    owner: Name | None = None
    due: date | None = None
    ticket_url: Url | None = None
    occurred_at: When = None


class FollowUpClose(_In):
    status: FollowUpStatus
    reason: Text = ""
    occurred_at: When = None


class ExperimentCreate(_In):
    hypothesis: RequiredText
    action: RequiredText
    owner: Name | None = None
    time_box_minutes: int | None = Field(None, ge=1, le=1440)
    occurred_at: When = None


class ExperimentConclude(_In):
    status: ExperimentStatus
    result: RequiredText
    occurred_at: When = None


class PostmortemUpdate(_In):
    body: Annotated[str, StringConstraints(min_length=1, max_length=200_000)] | None = Field(
        None, description="Markdown; omit to draft it afresh from the record."
    )


class PostmortemPublish(_In):
    occurred_at: When = None


class RetrospectiveRecord(_In):
    occurred_at: When = None


class ReleaseEveryoneRequest(_In):
    keep: list[RoleName] = Field(
        default_factory=lambda: [RoleName.COMMANDER],
        max_length=8,
        description="Roles whose holders stay on the incident.",
    )
    occurred_at: When = None


class TokenCreate(_In):
    name: Name
    role: AccessRole
    expires_at: AwareDatetime | None = None
    user: Name | None = Field(
        default=None, description="The user it acts as; its role is then capped by theirs."
    )


# -- responses (documentation of shapes; the read side writes JSON directly) ----------------


class TimelineEntryPublic(BaseModel):
    id: int
    kind: EntryKind
    text: str
    author: str
    occurred_at: datetime
    recorded_at: datetime
    data: dict[str, object]


class TimelinePublic(BaseModel):
    data: list[TimelineEntryPublic]
    count: int


class IncidentSummary(BaseModel):
    ref: str
    title: str
    summary_line: str
    severity: str
    stage: Stage
    services: list[str]
    customers_affected: int
    visibility: Visibility
    drill: bool
    channel: str
    commander: str | None
    detected_at: datetime
    declared_at: datetime
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    last_update_internal_at: datetime | None
    last_update_customers_at: datetime | None
    updates_due: dict[str, datetime] = Field(
        default_factory=dict, description="When the next update to each audience is due."
    )
    updates_overdue: list[str] = Field(default_factory=list)
    retrospective_due_at: datetime | None = None
    retrospective_breached: bool = False


class IncidentsPublic(BaseModel):
    data: list[IncidentSummary]
    count: int


class RolePublic(BaseModel):
    role: RoleName
    person: str
    assigned_at: datetime
    assigned_by: str
    released_at: datetime | None
    active: bool


class FollowUpPublic(BaseModel):
    number: int
    title: str
    kind: FollowUpKind
    owner: str | None
    due: date | None
    ticket_url: str | None
    status: FollowUpStatus
    reason: str
    created_at: datetime
    closed_at: datetime | None
    overdue: bool = False


class ExperimentPublic(BaseModel):
    number: int
    hypothesis: str
    action: str
    owner: str | None
    time_box_minutes: int | None
    status: ExperimentStatus
    result: str
    started_at: datetime
    ended_at: datetime | None


class GateFailure(BaseModel):
    gate: str
    reason: str


class ProcessStatus(BaseModel):
    allowed_stages: list[Stage]
    blocked: dict[str, list[GateFailure]]
    missing_roles: list[str]
    role_conflicts: list[str]


class Classification(BaseModel):
    rule: str
    description: str
    suggested: str
    applied: bool


class UpdateClockPublic(BaseModel):
    every: str | None
    due_at: datetime
    promised: bool = Field(description="The due time was promised in the last update.")
    counting_from: datetime
    reminded_at: datetime | None
    overdue: bool
    overdue_since: datetime | None


class RetrospectivePublic(BaseModel):
    within: str | None
    due_at: datetime
    reminded_at: datetime | None
    held_at: datetime | None
    breached: bool
    breached_at: datetime | None


class PendingClockPublic(BaseModel):
    kind: str = Field(
        description="update, sme, escalate, fatigue, retrospective, followup or held-page"
    )
    key: str
    due_at: datetime
    detail: dict[str, object]
    attempts: int
    last_error: str | None
    dead: bool


class IncidentPublic(BaseModel):
    ref: str
    title: str
    summary_line: str
    functionality: str | None
    state: str | None
    audience: str | None
    summary: str
    severity: str
    severity_label: str
    stage: Stage
    services: list[str]
    customers_affected: int
    whole_service: bool
    visibility: Visibility
    drill: bool
    channel: str
    links: dict[str, str]
    declared_by: str
    detected_at: datetime
    declared_at: datetime
    acknowledged_at: datetime | None
    identified_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    stage_entered_at: datetime
    last_updates: dict[str, datetime | None]
    roles: list[RolePublic]
    followups: list[FollowUpPublic]
    experiments: list[ExperimentPublic]
    whys: list[dict[str, object]]
    postmortem: dict[str, object] | None
    process: ProcessStatus
    classification: Classification | None = None
    updates: dict[str, UpdateClockPublic] = Field(default_factory=dict)
    update_overdue: list[str] = Field(
        default_factory=list, description="Audiences whose update is overdue."
    )
    retrospective: RetrospectivePublic | None = None
    followups_overdue: list[int] = Field(default_factory=list)
    test_plan: dict[str, object] | None = Field(
        None, description="The test plan, fixes and automated tests (see /test-plan)."
    )
    non_durable: list[dict[str, object]] = Field(
        default_factory=list, description="Changes flagged non-durable (see /durability)."
    )


class IncidentDetail(IncidentPublic):
    timeline: list[TimelineEntryPublic]
    timeline_count: int
    clocks: list[PendingClockPublic] = Field(default_factory=list)


class ClocksPublic(BaseModel):
    ref: str
    data: list[PendingClockPublic]
    count: int
    updates: dict[str, UpdateClockPublic]
    update_overdue: list[str]
    retrospective: RetrospectivePublic | None
    followups_overdue: list[int]


class ReleasedPublic(BaseModel):
    ref: str
    released: list[dict[str, str]]


class QuestionPublic(BaseModel):
    category: str
    text: str


class QuestionsPublic(BaseModel):
    stage: Stage
    data: list[QuestionPublic]


class CustomerPostmortemPublic(BaseModel):
    status: str = Field(description="draft or published")
    body: str
    updated_at: datetime | None
    published_at: datetime | None


class PostmortemPublic(BaseModel):
    ref: str
    status: str
    body: str
    updated_at: datetime | None
    published_at: datetime | None
    customers: CustomerPostmortemPublic | None = Field(
        None, description="The customer-facing version, once drafted."
    )


class TokenPublic(BaseModel):
    id: int
    name: str
    role: AccessRole
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    user: str | None = None


class TokenCreated(TokenPublic):
    token: str = Field(description="Shown once; store it now.")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    rule: str | None = None
    errors: list[dict[str, str]] | None = None
