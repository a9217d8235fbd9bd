"""Console forms of the test plan: each builds the command `routes/testplan.py` sends."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import FormData

from warroom.domain import testplan_commands as tc
from warroom.domain.commands import Command
from warroom.domain.testplan import Environment, StepStatus
from warroom.entrypoints.web import forms


def _step(form: FormData, ref: str, by: str) -> Command:
    return tc.AddTestStep(
        ref=ref,
        title=forms.text(form, "title", required=True, limit=200),
        by=by,
        customer_data=forms.checkbox(form, "customer_data"),
        occurred_at=forms.moment(form, "occurred_at"),
    )


def _result(form: FormData, ref: str, by: str) -> Command:
    return tc.RecordStepResult(
        ref=ref,
        number=forms.integer(form, "number", lo=1, hi=100_000),
        environment=forms.choice(form, "environment", Environment),
        status=forms.choice(form, "status", StepStatus),
        by=by,
        note=forms.text(form, "note"),
    )


def _signer(form: FormData, ref: str, by: str) -> Command:
    return tc.RequireSigner(
        ref=ref, person=forms.text(form, "person", required=True, limit=100), by=by
    )


def _sign(form: FormData, ref: str, by: str) -> Command:
    return tc.SignTestPlan(ref=ref, by=by)


def _tests(form: FormData, ref: str, by: str) -> Command:
    return tc.RecordAutomatedTests(
        ref=ref,
        url=forms.text(form, "url", required=True, limit=2000),
        by=by,
        description=forms.text(form, "description"),
    )


# path under /incidents/{ref}/ → (command builder, form macro answering for htmx or None)
TESTPLAN_ACTIONS: dict[str, tuple[Callable[[FormData, str, str], Command], str | None]] = {
    "test-plan/steps": (_step, "step_form"),
    "test-plan/results": (_result, None),
    "test-plan/signers": (_signer, "signer_form"),
    "test-plan/sign-offs": (_sign, None),
    "test-plan/automated-tests": (_tests, "tests_form"),
}
