"""Realistic demo incidents in different stages, for `warroom serve --demo`."""

from __future__ import annotations

from datetime import datetime, timedelta

from warroom.domain import commands as c
from warroom.domain import testplan_commands as tc
from warroom.domain.enums import (
    Audience,
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    FollowUpStatus,
    RoleName,
    Stage,
)
from warroom.domain.testplan import Environment, StepStatus
from warroom.service_layer.messagebus import MessageBus


def seed_demo(bus: MessageBus, now: datetime) -> list[str]:
    """Declare a handful of incidents as if they had been run over the last days."""
    refs = [_login_outage(bus, now), _slow_checkout(bus, now), _certificate(bus, now)]
    refs.append(_dns(bus, now))
    return refs


def _at(now: datetime, minutes_ago: float) -> datetime:
    return now - timedelta(minutes=minutes_ago)


def _login_outage(bus: MessageBus, now: datetime) -> str:
    start = 45
    ref: str = bus.handle(
        c.DeclareIncident(
            title="Logging in is broken for all users",
            severity="sev1",
            by="support-bot",
            functionality="logging in",
            state="broken",
            audience="all users",
            summary="Customer support has received several tickets from customers "
            "unable to log in.",
            services=("auth",),
            customers_affected=40,
            occurred_at=_at(now, start),
            detected_at=_at(now, start + 4),
        )
    )["ref"]
    for role, person, ago in (
        (RoleName.COMMANDER, "alice", 43),
        (RoleName.COMMUNICATIONS, "dana", 41),
        (RoleName.WORKER, "emily", 40),
    ):
        bus.handle(
            c.AssignRole(ref=ref, role=role, person=person, by="alice", occurred_at=_at(now, ago))
        )
    bus.handle(
        c.AddTimelineEntry(
            ref=ref,
            kind=EntryKind.HYPOTHESIS,
            text="Emily found a metric for failing requests to the identity provider that "
            "coincides with the customer reports; single point of failure suspected.",
            by="emily",
            occurred_at=_at(now, 34),
        )
    )
    bus.handle(
        c.StartExperiment(
            ref=ref,
            hypothesis="The identity provider's token endpoint is timing out",
            action="Fail over to the standby identity provider region",
            by="alice",
            owner="emily",
            time_box_minutes=15,
            occurred_at=_at(now, 30),
        )
    )
    bus.handle(
        c.PostUpdate(
            ref=ref,
            audience=Audience.CUSTOMERS,
            text="We are investigating reports that customers cannot log in. "
            "We will provide an update in 1 hour or as soon as more information is available.",
            by="dana",
            occurred_at=_at(now, 38),
        )
    )
    return ref


def _slow_checkout(bus: MessageBus, now: datetime) -> str:
    start = 60 * 5
    ref: str = bus.handle(
        c.DeclareIncident(
            title="Checkout is slow for EU customers",
            severity="sev2",
            by="pagerbot",
            functionality="checkout",
            state="slow",
            audience="EU customers",
            services=("payments",),
            customers_affected=1,
            occurred_at=_at(now, start),
        )
    )["ref"]
    bus.handle(
        c.AssignRole(
            ref=ref,
            role=RoleName.COMMANDER,
            person="bob",
            by="bob",
            occurred_at=_at(now, start - 5),
        )
    )
    bus.handle(
        c.AssignRole(
            ref=ref, role=RoleName.WORKER, person="carol", by="bob", occurred_at=_at(now, start - 6)
        )
    )
    bus.handle(
        c.ChangeStage(
            ref=ref,
            stage=Stage.IDENTIFIED,
            by="bob",
            note="Connection pool exhausted after the 14:00 deploy",
            occurred_at=_at(now, start - 50),
        )
    )
    bus.handle(
        c.AddTimelineEntry(
            ref=ref,
            kind=EntryKind.MANUAL_CHANGE,
            text="Raised the payments DB pool from 20 to 60 by hand on the primary",
            by="carol",
            occurred_at=_at(now, start - 70),
        )
    )
    bus.handle(
        c.ChangeStage(
            ref=ref,
            stage=Stage.MITIGATED,
            by="bob",
            note="Latency back to normal",
            occurred_at=_at(now, start - 90),
        )
    )
    bus.handle(
        c.AddFollowUp(
            ref=ref,
            title="Put the pool size in the infrastructure repository",
            kind=FollowUpKind.DURABLE_FIX,
            by="bob",
            owner="carol",
        )
    )
    bus.handle(
        c.AddFollowUp(
            ref=ref,
            title="Alert on pool saturation",
            kind=FollowUpKind.PREVENTION,
            by="bob",
            owner="carol",
        )
    )
    return ref


def _test_plan(bus: MessageBus, ref: str, now: datetime) -> None:
    """Document 003 before green: the plan run in both environments, signed, tests added."""
    bus.handle(
        tc.AddTestStep(
            ref=ref, title="Call the API with a client", by="frank", occurred_at=_at(now, 150)
        )
    )
    bus.handle(
        tc.AddTestStep(
            ref=ref,
            title="Register a new integration",
            by="frank",
            customer_data=True,
            occurred_at=_at(now, 150),
        )
    )
    for number, env in (
        (1, Environment.STAGING),
        (1, Environment.PRODUCTION),
        (2, Environment.STAGING),
    ):
        bus.handle(
            tc.RecordStepResult(
                ref=ref,
                number=number,
                environment=env,
                status=StepStatus.PASSED,
                by="gina",
                occurred_at=_at(now, 140),
            )
        )
    for person in ("frank", "gina"):
        bus.handle(tc.SignTestPlan(ref=ref, by=person, occurred_at=_at(now, 130)))
    bus.handle(
        tc.RecordAutomatedTests(
            ref=ref,
            url="https://ci.example.com/api-gateway/certificates",
            description="expiry check in the deploy pipeline",
            by="gina",
            occurred_at=_at(now, 125),
        )
    )


def _certificate(bus: MessageBus, now: datetime) -> str:
    start = 60 * 26
    ref: str = bus.handle(
        c.DeclareIncident(
            title="API certificate expired",
            severity="sev2",
            by="oncall",
            functionality="the public API",
            state="unreachable",
            audience="integrations",
            services=("api-gateway",),
            occurred_at=_at(now, start),
        )
    )["ref"]
    bus.handle(
        c.AssignRole(
            ref=ref,
            role=RoleName.COMMANDER,
            person="frank",
            by="frank",
            occurred_at=_at(now, start - 2),
        )
    )
    bus.handle(
        c.AssignRole(
            ref=ref,
            role=RoleName.WORKER,
            person="gina",
            by="frank",
            occurred_at=_at(now, start - 3),
        )
    )
    bus.handle(
        c.ChangeStage(
            ref=ref,
            stage=Stage.RESTORING,
            by="frank",
            note="Renewing the certificate",
            occurred_at=_at(now, start - 10),
        )
    )
    bus.handle(
        c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="frank", occurred_at=_at(now, start - 25))
    )
    bus.handle(
        c.AddFollowUp(
            ref=ref,
            title="Automate certificate renewal",
            kind=FollowUpKind.DURABLE_FIX,
            by="frank",
            owner="gina",
        )
    )
    bus.handle(
        c.CloseFollowUp(
            ref=ref, number=1, status=FollowUpStatus.DONE, by="gina", occurred_at=_at(now, 120)
        )
    )
    _test_plan(bus, ref, now)
    bus.handle(c.ChangeStage(ref=ref, stage=Stage.RESOLVED, by="frank", occurred_at=_at(now, 110)))
    for text in (
        "The certificate expired.",
        "Renewal was a manual calendar task.",
        "The reminder went to a departed engineer.",
        "Ownership of the task was never transferred.",
        "Certificates had no owner in the service catalog.",
    ):
        bus.handle(c.AddWhy(ref=ref, text=text, by="frank"))
    bus.handle(c.WritePostmortem(ref=ref, by="frank"))
    return ref


def _dns(bus: MessageBus, now: datetime) -> str:
    start = 60 * 24 * 6
    ref: str = bus.handle(
        c.DeclareIncident(
            title="Status emails delayed",
            severity="sev3",
            by="henry",
            services=("notifications",),
            occurred_at=_at(now, start),
        )
    )["ref"]
    bus.handle(
        c.AssignRole(
            ref=ref,
            role=RoleName.COMMANDER,
            person="henry",
            by="henry",
            occurred_at=_at(now, start - 5),
        )
    )
    bus.handle(
        c.StartExperiment(
            ref=ref,
            hypothesis="The mail relay is throttling us",
            action="Check the relay's queue",
            by="henry",
            occurred_at=_at(now, start - 20),
        )
    )
    bus.handle(
        c.ConcludeExperiment(
            ref=ref,
            number=1,
            status=ExperimentStatus.CONFIRMED,
            result="Relay queue at its limit",
            by="henry",
            occurred_at=_at(now, start - 40),
        )
    )
    bus.handle(
        c.ChangeStage(ref=ref, stage=Stage.RESOLVED, by="henry", occurred_at=_at(now, start - 60))
    )
    bus.handle(
        c.AddWhy(ref=ref, text="The relay's rate limit was lower than our peak volume.", by="henry")
    )
    bus.handle(c.WritePostmortem(ref=ref, by="henry"))
    bus.handle(c.PublishPostmortem(ref=ref, by="henry"))
    bus.handle(c.ChangeStage(ref=ref, stage=Stage.CLOSED, by="henry"))
    return ref
