"""The test plan (steps, results, sign-offs, automated tests), fixes and the durability audit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warroom.bootstrap import Warroom
from warroom.domain import testplan_commands as tc
from warroom.entrypoints.api import schemas_testplan as s
from warroom.entrypoints.api.deps import Idempotency, Reader, WarroomDep, Writer, execute
from warroom.entrypoints.api.openapi import ALL, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.testplan_view import durability_view, plan_view
from warroom.service_layer.views import load_incident

router = APIRouter(prefix="/incidents/{ref}", tags=["test plan and durability"])


def _plan(wr: Warroom, ref: str) -> dict[str, Any]:
    with wr.read_session() as session:
        return plan_view(load_incident(session, ref))


def _durability(wr: Warroom, ref: str) -> dict[str, Any]:
    with wr.read_session() as session:
        return durability_view(load_incident(session, ref))


@router.get("/test-plan", response_model=s.TestPlanPublic, responses=MISSING)
def show_plan(ref: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    """Steps with their result in staging and production, sign-offs, tests and fixes."""
    return JSONBytes(_plan(wr, ref))


@router.post("/test-plan/steps", status_code=201, response_model=s.TestPlanPublic, responses=ALL)
def add_step(
    ref: str, body: s.TestStepCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Add a step; one that creates or modifies customer data is skipped in production."""
    command = tc.AddTestStep(
        ref=ref,
        title=body.title,
        by=who.name,
        customer_data=body.customer_data,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _plan(wr, r["ref"]), status_code=201)


@router.post("/test-plan/steps/{number}/results", response_model=s.TestPlanPublic, responses=ALL)
def record_result(
    ref: str,
    number: int,
    body: s.StepResultCreate,
    wr: WarroomDep,
    who: Writer,
    key: Idempotency,
) -> JSONBytes:
    """Mark a step passed, failed, skipped (with a reason) or pending in one environment."""
    command = tc.RecordStepResult(
        ref=ref,
        number=number,
        environment=body.environment,
        status=body.status,
        by=who.name,
        note=body.note,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _plan(wr, r["ref"]))


@router.post("/test-plan/signers", status_code=201, response_model=s.TestPlanPublic, responses=ALL)
def require_signer(
    ref: str, body: s.SignerCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """The commander names someone else who must sign the plan."""
    command = tc.RequireSigner(
        ref=ref, person=body.person, by=who.name, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: _plan(wr, r["ref"]), status_code=201)


@router.post(
    "/test-plan/sign-offs", status_code=201, response_model=s.TestPlanPublic, responses=ALL
)
def sign(
    ref: str, body: s.SignoffCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Sign the executed plan as the caller; refused while a step is not run or failed."""
    command = tc.SignTestPlan(ref=ref, by=who.name, occurred_at=body.occurred_at)
    return execute(wr, command, key, lambda r: _plan(wr, r["ref"]), status_code=201)


@router.post(
    "/test-plan/automated-tests", status_code=201, response_model=s.TestPlanPublic, responses=ALL
)
def record_tests(
    ref: str, body: s.AutomatedTestsCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Automated tests were added and pass: record the link."""
    command = tc.RecordAutomatedTests(
        ref=ref,
        url=body.url,
        by=who.name,
        description=body.description,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _plan(wr, r["ref"]), status_code=201)


@router.post("/fixes", status_code=201, response_model=s.TestPlanPublic, responses=ALL)
def record_fix(
    ref: str, body: s.FixCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """A fix was released, with its automated tests or without (which may drop the severity)."""
    command = tc.RecordFix(
        ref=ref,
        text=body.text,
        by=who.name,
        tests_url=body.tests_url,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _plan(wr, r["ref"]), status_code=201)


@router.get("/durability", response_model=s.NonDurablesPublic, responses=MISSING)
def list_non_durable(ref: str, wr: WarroomDep, who: Reader) -> JSONBytes:
    """Changes flagged non-durable: open, followed up by a durable fix, or waived."""
    return JSONBytes(_durability(wr, ref))


@router.post("/durability", status_code=201, response_model=s.NonDurablesPublic, responses=ALL)
def flag(
    ref: str, body: s.NonDurableCreate, wr: WarroomDep, who: Writer, key: Idempotency
) -> JSONBytes:
    """Flag a mitigation or manual change as non-durable."""
    command = tc.FlagNonDurable(
        ref=ref,
        category=body.category,
        text=body.text,
        by=who.name,
        entry_id=body.entry_id,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _durability(wr, r["ref"]), status_code=201)


@router.post("/durability/{number}/waive", response_model=s.NonDurablesPublic, responses=ALL)
def waive(
    ref: str,
    number: int,
    body: s.NonDurableWaive,
    wr: WarroomDep,
    who: Writer,
    key: Idempotency,
) -> JSONBytes:
    """The commander accepts a non-durable change as it is, with a reason."""
    command = tc.WaiveNonDurable(
        ref=ref, number=number, reason=body.reason, by=who.name, occurred_at=body.occurred_at
    )
    return execute(wr, command, key, lambda r: _durability(wr, r["ref"]))
