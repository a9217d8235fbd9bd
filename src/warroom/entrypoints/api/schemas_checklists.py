"""Request and response schemas of checklists, next steps, the roles matrix and customers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from warroom.domain.checklists import ChecklistStatus
from warroom.domain.customers import ContactMethod, ContactOutcome, ReportChannel, Verification
from warroom.domain.enums import RoleName, Stage
from warroom.entrypoints.api.schemas import Name, RequiredText, Text, Title, When, _In

Contact = Annotated[str, StringConstraints(max_length=500)]

# -- checklists --------------------------------------------------------------------------------


class ItemCheck(_In):
    note: Text = ""
    occurred_at: When = None


class ItemSkip(_In):
    reason: RequiredText
    occurred_at: When = None


class ItemReopen(_In):
    reason: Text = ""
    occurred_at: When = None


class AutoRulePublic(BaseModel):
    event: str
    where: dict[str, list[str | int | bool]]
    text: str


class ChecklistItemPublic(BaseModel):
    id: str
    title: str
    details: str
    stage: Stage
    owner: RoleName | None
    within: str | None
    from_: str = Field(alias="from")
    severities: list[str] | None
    done_when: AutoRulePublic | None
    sources: list[str]
    status: ChecklistStatus
    active: bool = Field(description="The incident has reached the item's stage.")
    applies: bool = Field(description="The item applies to the incident's severity.")
    owner_role: RoleName = Field(description="The owner, or the commander when none is set.")
    holders: list[str]
    due_at: datetime | None
    overdue: bool
    by: str | None
    at: datetime | None
    reason: str
    auto: bool = Field(description="Ticked by an event rather than by a person.")
    reminded_at: datetime | None


class ChecklistCounts(BaseModel):
    total: int
    open: int
    done: int
    skipped: int
    overdue: int
    later: int


class ChecklistPublic(BaseModel):
    ref: str
    title: str
    severity: str
    stage: Stage
    role: RoleName | None
    items: list[ChecklistItemPublic]
    counts: ChecklistCounts


class NextStepsPublic(BaseModel):
    ref: str
    title: str
    summary_line: str
    severity: str
    stage: Stage
    roles: list[RoleName]
    steps: list[ChecklistItemPublic]


class MyNextStepsPublic(BaseModel):
    person: str
    data: list[NextStepsPublic]
    count: int


# -- the roles matrix --------------------------------------------------------------------------


class MatrixStep(BaseModel):
    id: str
    title: str
    stage: Stage
    within: str | None
    from_: str = Field(alias="from")
    severities: list[str] | None
    done_when: str | None
    sources: list[str]


class MatrixRole(BaseModel):
    role: RoleName
    label: str
    description: str
    responsibilities: list[str]
    steps: list[MatrixStep]
    on_duty: list[str] | None = Field(
        description="Who is on duty for the role; null when no on-call schedule is connected."
    )


class MatrixPublic(BaseModel):
    policy: str
    description: str
    roles: list[MatrixRole]


# -- affected customers ------------------------------------------------------------------------


class CustomerCreate(_In):
    name: Title = Field(description="The customer's name or account id.")
    contact: Contact = ""
    tier: Name | None = None
    reported_via: ReportChannel | None = Field(
        None, description="How they reported the problem; null if they did not."
    )
    occurred_at: When = None


class CustomerUpdate(_In):
    name: Title | None = None
    contact: Contact | None = None
    tier: Name | None = None
    reported_via: ReportChannel | None = None


class Answer(_In):
    question: RequiredText
    answer: Text = ""


class ContactCreate(_In):
    method: ContactMethod
    outcome: ContactOutcome
    note: Text = ""
    answers: list[Answer] = Field(default_factory=list, max_length=50)
    occurred_at: When = None


class VerificationUpdate(_In):
    status: Verification = Field(
        description="confirmed: the customer confirms the fix; waived: excused (liaison or "
        "commander, with a reason in note); pending: ask again."
    )
    note: Text = ""
    occurred_at: When = None


class ContactPublic(BaseModel):
    at: datetime
    by: str
    method: ContactMethod
    outcome: ContactOutcome
    note: str
    answers: list[dict[str, str]]
    recorded_at: datetime


class CustomerPublic(BaseModel):
    number: int
    name: str
    contact: str
    tier: str | None
    reported_via: ReportChannel | None
    reported: bool
    added_at: datetime
    added_by: str
    verification: Verification
    verified_at: datetime | None
    verified_by: str | None
    verification_note: str
    awaiting_confirmation: bool
    contacts: list[ContactPublic]


class VerificationStatus(BaseModel):
    awaiting: list[int]
    satisfied: bool
    reported: int


class CustomersPublic(BaseModel):
    ref: str
    data: list[CustomerPublic]
    count: int
    verification: VerificationStatus
    questions: dict[str, list[dict[str, str]]]
