"""The test plan, the automated tests and the fixes of an incident (document 003)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from warroom.domain import testplan_events as ev
from warroom.domain.enums import EntryKind, RoleName
from warroom.domain.errors import InvalidInput, NotFound, RuleViolation
from warroom.domain.incident_roles import RolesMixin
from warroom.domain.policy import Policy
from warroom.domain.testplan import (
    CUSTOMER_DATA_REASON,
    AutomatedTests,
    Environment,
    Fix,
    RequiredSigner,
    StepStatus,
    TestSignoff,
    TestStep,
)
from warroom.domain.textcheck import check_text

URL_LIMIT = 2000


class TestPlanMixin(RolesMixin):
    """Steps per environment, sign-offs, automated tests and fixes released."""

    __test__ = False

    if TYPE_CHECKING:

        def change_severity(
            self,
            severity: str,
            *,
            policy: Policy,
            by: str,
            now: datetime,
            occurred_at: datetime | None = None,
            reason: str = "",
        ) -> None: ...

    # -- steps ---------------------------------------------------------------------------

    def test_step(self, number: int) -> TestStep:
        for step in self.test_steps:
            if step.number == number:
                return step
        raise NotFound("test step", f"#{number} on {self.ref}")

    def add_test_step(
        self,
        title: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        customer_data: bool = False,
        occurred_at: datetime | None = None,
    ) -> TestStep:
        """Add a step; one touching customer data is skipped in production from the start."""
        self._require_open("change the test plan")
        title = check_text("title", title, policy.limits.title, required=True)
        at = self._when(occurred_at, now, policy)
        step = TestStep(
            number=len(self.test_steps) + 1,
            title=title,
            added_at=at,
            added_by=by,
            customer_data=customer_data,
        )
        if customer_data:
            step.set_result(
                Environment.PRODUCTION, StepStatus.SKIPPED, CUSTOMER_DATA_REASON, "warroom", at
            )
        self.test_steps.append(step)
        note = "; skipped in production: it " + CUSTOMER_DATA_REASON if customer_data else ""
        self._entry(
            EntryKind.SYSTEM,
            f"Test step #{step.number} added: {title}{note}",
            by,
            at,
            now,
            {"test_step": step.number},
        )
        self.events.append(
            ev.TestStepAdded(
                ref=self.ref,
                number=step.number,
                customer_data=customer_data,
                by=by,
                occurred_at=at,
            )
        )
        self._withdraw_signoffs("a step was added", at, now)
        return step

    def record_step_result(
        self,
        number: int,
        environment: Environment,
        status: StepStatus,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        note: str = "",
        occurred_at: datetime | None = None,
    ) -> None:
        """Mark a step passed, failed, skipped (with a reason) or back to pending in one
        environment."""
        self._require_open("change the test plan")
        step = self.test_step(number)
        note = check_text("note", note, policy.limits.text)
        if step.customer_data and environment is Environment.PRODUCTION:
            raise RuleViolation(
                "testplan.customer_data_in_production",
                f"test step #{number} {CUSTOMER_DATA_REASON}: it stays skipped in production",
            )
        if status is StepStatus.SKIPPED and not note:
            raise RuleViolation("testplan.skip_reason", "a skipped step needs a reason (note)")
        at = self._when(occurred_at, now, policy)
        pending = status is StepStatus.PENDING
        step.set_result(environment, status, note, None if pending else by, None if pending else at)
        text = f"Test step #{number} {status} in {environment}: {step.title}"
        if note:
            text += f" ({note})"
        self._entry(
            EntryKind.SYSTEM,
            text,
            by,
            at,
            now,
            {"test_step": number, "environment": environment, "status": status},
        )
        self.events.append(
            ev.TestStepResultRecorded(
                ref=self.ref,
                number=number,
                environment=environment,
                status=status,
                by=by,
                occurred_at=at,
            )
        )
        self._withdraw_signoffs(f"step #{number} changed", at, now)

    def unfinished_steps(self) -> list[str]:
        """'#1 staging (failed)' for every step not run yet or failed in an environment."""
        return [
            f"#{step.number} {env} ({step.status(env)})"
            for step in self.test_steps
            for env in step.open_in()
        ]

    # -- sign-offs ------------------------------------------------------------------------

    def require_signer(
        self,
        person: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        """The commander names someone whose sign-off the plan needs."""
        self._require_open("change the test plan")
        person = check_text("person", person, policy.limits.name, required=True)
        if by not in self.holders(RoleName.COMMANDER):
            raise RuleViolation(
                "testplan.signer_by_commander",
                f"only the commander of {self.ref} adds required signers; {by} is not",
            )
        if any(s.person == person for s in self.test_signers):
            raise RuleViolation("testplan.signer_twice", f"{person} is already a required signer")
        at = self._when(occurred_at, now, policy)
        self.test_signers.append(RequiredSigner(person=person, added_by=by, added_at=at))
        self._entry(
            EntryKind.SYSTEM,
            f"{person} must sign the test plan (added by {by})",
            by,
            at,
            now,
            {"signer": person},
        )
        self.events.append(
            ev.TestSignerRequired(ref=self.ref, person=person, by=by, occurred_at=at)
        )

    def missing_signoffs(self) -> list[str]:
        """Who still has to sign: the commander, a worker, each required signer."""
        signed = {s.person for s in self.test_signoffs}
        missing: list[str] = []
        commanders = self.holders(RoleName.COMMANDER)
        if not commanders:
            missing.append("the commander (none assigned)")
        elif not signed & set(commanders):
            missing.append("the commander (" + " or ".join(commanders) + ")")
        workers = {a.person for a in self.roles if a.role is RoleName.WORKER}
        if not workers:
            missing.append("a worker (none assigned)")
        elif not signed & workers:
            missing.append("a worker (" + " or ".join(sorted(workers)) + ")")
        missing.extend(s.person for s in self.test_signers if s.person not in signed)
        return missing

    def test_plan_signed(self) -> bool:
        return bool(self.test_steps) and not self.unfinished_steps() and not self.missing_signoffs()

    def sign_test_plan(
        self, *, policy: Policy, by: str, now: datetime, occurred_at: datetime | None = None
    ) -> None:
        """Sign the executed plan; refused while a step is not run or failed."""
        self._require_open("sign the test plan")
        if not self.test_steps:
            raise RuleViolation("testplan.empty", f"{self.ref} has no test plan steps to sign")
        unfinished = self.unfinished_steps()
        if unfinished:
            raise RuleViolation(
                "testplan.unfinished",
                "cannot sign the test plan while steps are not run or failed: "
                + ", ".join(unfinished),
                details=unfinished,
            )
        if any(s.person == by for s in self.test_signoffs):
            raise RuleViolation("testplan.signed_twice", f"{by} has already signed the test plan")
        at = self._when(occurred_at, now, policy)
        self.test_signoffs.append(TestSignoff(person=by, signed_at=at, recorded_at=now))
        missing = self.missing_signoffs()
        text = f"Test plan signed off by {by}"
        text += "; still to sign: " + ", ".join(missing) if missing else "; the plan is signed"
        self._entry(EntryKind.SYSTEM, text, by, at, now, {"signoff": by})
        self.events.append(ev.TestPlanSignedOff(ref=self.ref, person=by, occurred_at=at))
        if not missing:
            self.events.append(ev.TestPlanSigned(ref=self.ref, by=by, occurred_at=at))

    def _withdraw_signoffs(self, why: str, at: datetime, now: datetime) -> None:
        if not self.test_signoffs:
            return
        people = tuple(s.person for s in self.test_signoffs)
        self.test_signoffs.clear()
        self._entry(
            EntryKind.SYSTEM,
            f"Test plan sign-offs withdrawn ({', '.join(people)}): {why} after signing",
            "warroom",
            at,
            now,
            {},
        )
        self.events.append(ev.TestSignoffsWithdrawn(ref=self.ref, people=people, occurred_at=at))

    # -- automated tests and fixes -------------------------------------------------------------

    def record_automated_tests(
        self,
        url: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        description: str = "",
        occurred_at: datetime | None = None,
    ) -> AutomatedTests:
        """Automated tests were added and pass: keep the link; untested fixes are covered."""
        self._require_open("record automated tests")
        url = _check_url("url", url)
        description = check_text("description", description, policy.limits.text)
        at = self._when(occurred_at, now, policy)
        record = AutomatedTests(
            number=len(self.automated_tests) + 1,
            url=url,
            recorded_by=by,
            recorded_at=at,
            description=description,
        )
        self.automated_tests.append(record)
        covered = [f for f in self.fixes if f.awaiting_tests]
        for fix in covered:
            fix.covered_at = at
        text = f"Automated tests added and passing: {url}"
        if description:
            text += f" ({description})"
        if covered:
            text += "; no longer awaiting tests for fix " + ", ".join(
                f"#{f.number}" for f in covered
            )
        self._entry(EntryKind.MILESTONE, text, by, at, now, {"automated_tests": record.number})
        self.events.append(
            ev.AutomatedTestsRecorded(
                ref=self.ref, number=record.number, url=url, by=by, occurred_at=at
            )
        )
        return record

    def awaiting_tests(self) -> list[Fix]:
        return [f for f in self.fixes if f.awaiting_tests]

    def record_fix(
        self,
        text: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        tests_url: str | None = None,
        occurred_at: datetime | None = None,
    ) -> Fix:
        """A fix was released. Without automated tests, a severity with
        `untested_fix_drops_to` drops to that level until tests are recorded."""
        self._require_open("record a fix")
        text = check_text("text", text, policy.limits.text, required=True)
        if tests_url is not None:
            tests_url = _check_url("tests_url", tests_url)
        at = self._when(occurred_at, now, policy)
        fix = Fix(
            number=len(self.fixes) + 1,
            text=text,
            recorded_by=by,
            recorded_at=at,
            tested=tests_url is not None,
        )
        self.fixes.append(fix)
        how = "with automated tests" if fix.tested else "without automated tests"
        self._entry(
            EntryKind.MILESTONE,
            f"Fix #{fix.number} released {how}: {text}",
            by,
            at,
            now,
            {"fix": fix.number, "tested": fix.tested},
        )
        self.events.append(
            ev.FixRecorded(
                ref=self.ref, number=fix.number, tested=fix.tested, by=by, occurred_at=at
            )
        )
        if tests_url is not None:
            self.record_automated_tests(
                tests_url,
                policy=policy,
                by=by,
                now=now,
                occurred_at=occurred_at,
                description=f"for fix #{fix.number}",
            )
            return fix
        drop_to = policy.severity(self.severity).untested_fix_drops_to
        if drop_to is None:
            return fix
        previous = self.severity
        fix.dropped_from, fix.dropped_to = previous, drop_to
        if policy.more_severe(previous, drop_to):
            self.change_severity(
                drop_to,
                policy=policy,
                by=by,
                now=now,
                occurred_at=occurred_at,
                reason=(
                    f"fix #{fix.number} released without automated tests; the incident stays "
                    "open until they are recorded (policy: untested_fix_drops_to)"
                ),
            )
        commanders = self.holders(RoleName.COMMANDER)
        self.events.append(
            ev.UntestedFixDropped(
                ref=self.ref,
                number=fix.number,
                from_severity=previous,
                to_severity=self.severity,
                commander=commanders[0] if commanders else None,
                occurred_at=at,
            )
        )
        return fix


def _check_url(field: str, url: str) -> str:
    url = check_text(field, url, URL_LIMIT, required=True)
    if not url.startswith(("https://", "http://")):
        raise InvalidInput(field, "must be an http(s) link to the tests or their run")
    return url
