"""The test plan of an incident (document 003): steps run in staging and in production,
sign-offs, the automated tests added for the fix, and the fixes released.

Before an incident is declared over the plan is executed in both environments and
signed off by the commander, at least one worker and anyone the commander adds. Steps
that create or modify customer data never run in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Environment(StrEnum):
    STAGING = "staging"
    PRODUCTION = "production"


class StepStatus(StrEnum):
    """Where a step stands in one environment; `passed` and `failed` mean it was run."""

    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


RUN_STATUSES = frozenset({StepStatus.PASSED, StepStatus.FAILED})
CUSTOMER_DATA_REASON = (
    "creates or modifies customer data, which never happens in production (document 003)"
)


@dataclass(eq=False)
class TestStep:
    """One check of the plan, with its outcome in each environment."""

    __test__ = False  # not a pytest test class

    number: int
    title: str
    added_at: datetime
    added_by: str
    customer_data: bool = False
    staging_status: StepStatus = StepStatus.PENDING
    staging_note: str = ""
    staging_by: str | None = None
    staging_at: datetime | None = None
    production_status: StepStatus = StepStatus.PENDING
    production_note: str = ""
    production_by: str | None = None
    production_at: datetime | None = None

    def status(self, env: Environment) -> StepStatus:
        return StepStatus(getattr(self, f"{env}_status"))

    def note(self, env: Environment) -> str:
        return str(getattr(self, f"{env}_note"))

    def set_result(
        self, env: Environment, status: StepStatus, note: str, by: str | None, at: datetime | None
    ) -> None:
        setattr(self, f"{env}_status", status)
        setattr(self, f"{env}_note", note)
        setattr(self, f"{env}_by", by)
        setattr(self, f"{env}_at", at)

    def open_in(self) -> list[Environment]:
        """Environments where the step is not run yet or failed."""
        return [
            env
            for env in Environment
            if self.status(env) in {StepStatus.PENDING, StepStatus.FAILED}
        ]


@dataclass(eq=False)
class TestSignoff:
    __test__ = False

    person: str
    signed_at: datetime
    recorded_at: datetime


@dataclass(eq=False)
class RequiredSigner:
    """Someone the commander asked to sign the plan besides the commander and a worker."""

    person: str
    added_by: str
    added_at: datetime


@dataclass(eq=False)
class AutomatedTests:
    """Automated tests added for the fix and passing, with a link to them."""

    number: int
    url: str
    recorded_by: str
    recorded_at: datetime
    description: str = ""


@dataclass(eq=False)
class Fix:
    """A fix released; one without automated tests may have dropped the severity."""

    number: int
    text: str
    recorded_by: str
    recorded_at: datetime
    tested: bool
    dropped_from: str | None = None
    dropped_to: str | None = None
    covered_at: datetime | None = None

    @property
    def awaiting_tests(self) -> bool:
        """Released untested at a severity that demands tests, and no tests recorded since."""
        return self.dropped_to is not None and self.covered_at is None
