"""Commands of the test plan, fixes, automated tests and the durability audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from warroom.domain.commands import Command
from warroom.domain.durability import NonDurableCategory
from warroom.domain.testplan import Environment, StepStatus


@dataclass(frozen=True)
class AddTestStep(Command):
    __test__ = False

    ref: str
    title: str
    by: str
    customer_data: bool = False
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RecordStepResult(Command):
    ref: str
    number: int
    environment: Environment
    status: StepStatus
    by: str
    note: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RequireSigner(Command):
    """The commander adds someone who must sign the test plan."""

    ref: str
    person: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class SignTestPlan(Command):
    ref: str
    by: str
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RecordAutomatedTests(Command):
    ref: str
    url: str
    by: str
    description: str = ""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class RecordFix(Command):
    """A fix was released; without `tests_url` it is a fix without automated tests."""

    ref: str
    text: str
    by: str
    tests_url: str | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class FlagNonDurable(Command):
    ref: str
    category: NonDurableCategory
    text: str
    by: str
    entry_id: int | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class WaiveNonDurable(Command):
    ref: str
    number: int
    reason: str
    by: str
    occurred_at: datetime | None = None
