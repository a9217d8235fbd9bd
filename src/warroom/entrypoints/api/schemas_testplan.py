"""Request and response schemas of the test plan, fixes, automated tests and durability."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from warroom.domain.durability import DurabilityStatus, NonDurableCategory
from warroom.domain.testplan import Environment, StepStatus
from warroom.entrypoints.api.schemas import Name, RequiredText, Text, Title, Url, When, _In

# -- requests ------------------------------------------------------------------------------


class TestStepCreate(_In):
    __test__ = False

    title: Title
    customer_data: bool = Field(
        False,
        description="The step creates or modifies customer data: it is skipped in production.",
    )
    occurred_at: When = None


class StepResultCreate(_In):
    environment: Environment
    status: StepStatus = Field(description="passed or failed (it was run), skipped, pending.")
    note: Text = Field("", description="What was seen; the reason, for a skipped step.")
    occurred_at: When = None


class SignerCreate(_In):
    person: Name
    occurred_at: When = None


class SignoffCreate(_In):
    occurred_at: When = None


class AutomatedTestsCreate(_In):
    url: Url = Field(description="Link to the tests or their passing run (http or https).")
    description: Text = ""
    occurred_at: When = None


class FixCreate(_In):
    text: RequiredText
    tests_url: Url | None = Field(
        None,
        description="The automated tests added with the fix. Without them the severity may "
        "drop (policy `untested_fix_drops_to`) and the incident waits for tests.",
    )
    occurred_at: When = None


class NonDurableCreate(_In):
    category: NonDurableCategory
    text: Text = Field("", description="What was done; defaults to the timeline entry's text.")
    entry_id: int | None = Field(
        None, ge=1, description="The timeline entry (manual change, mitigation…) it refers to."
    )
    occurred_at: When = None


class NonDurableWaive(_In):
    reason: RequiredText
    occurred_at: When = None


# -- responses -----------------------------------------------------------------------------


class StepResultPublic(BaseModel):
    status: StepStatus
    note: str
    by: str | None
    at: datetime | None


class TestStepPublic(BaseModel):
    __test__ = False

    number: int
    title: str
    customer_data: bool
    added_by: str
    added_at: datetime
    results: dict[Environment, StepResultPublic]


class SignerPublic(BaseModel):
    person: str
    added_by: str
    added_at: datetime


class SignoffPublic(BaseModel):
    person: str
    signed_at: datetime


class AutomatedTestsPublic(BaseModel):
    number: int
    url: str
    description: str
    recorded_by: str
    recorded_at: datetime


class FixPublic(BaseModel):
    number: int
    text: str
    tested: bool
    recorded_by: str
    recorded_at: datetime
    dropped_from: str | None
    dropped_to: str | None
    covered_at: datetime | None
    awaiting_tests: bool


class TestPlanPublic(BaseModel):
    __test__ = False

    ref: str
    signed: bool = Field(description="Every step run or skipped, none failed, every sign-off.")
    steps: list[TestStepPublic]
    unfinished: list[str]
    required_signers: list[SignerPublic]
    signoffs: list[SignoffPublic]
    missing_signoffs: list[str]
    automated_tests: list[AutomatedTestsPublic]
    fixes: list[FixPublic]
    awaiting_tests: bool


class NonDurablePublic(BaseModel):
    number: int
    category: NonDurableCategory
    text: str
    status: DurabilityStatus
    entry_id: int | None
    flagged_by: str
    flagged_at: datetime
    followup: int | None
    waiver: str
    waived_by: str | None
    waived_at: datetime | None


class NonDurablesPublic(BaseModel):
    ref: str
    data: list[NonDurablePublic]
    count: int
