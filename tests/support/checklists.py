"""A message bus with every real handler on fake storage, for checklist tests without I/O."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from tests.fakes import FakeIdempotency, FakeIncidentRepository, FakeUnitOfWork, ManualClock
from tests.support.policies import without_clocks
from warroom.domain import checklist_events as ce
from warroom.domain import commands as c
from warroom.domain import events
from warroom.domain import notify_commands as nc
from warroom.domain import testplan_commands as tc
from warroom.domain.background import OutboundMessage
from warroom.domain.checklists import ChecklistStatus
from warroom.domain.directory import Person
from warroom.domain.enums import RoleName
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.domain.testplan import Environment, StepStatus
from warroom.service_layer.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from warroom.service_layer.messagebus import Context, MessageBus


class FakeTimers:
    def __init__(self) -> None:
        self.due: dict[str, datetime] = {}

    def schedule(self, key: str, *, due_at: datetime, **_: Any) -> None:
        self.due[key] = due_at

    def cancel(self, key: str) -> None:
        self.due.pop(key, None)

    def cancel_prefix(self, prefix: str, *, incident_ref: str | None = None) -> None:
        for key in [k for k in self.due if k.startswith(prefix)]:
            del self.due[key]

    def due_at(self, key: str) -> datetime | None:
        return self.due.get(key)

    def pending(
        self, prefix: str = "", *, incident_ref: str | None = None
    ) -> list[tuple[str, str, datetime]]:
        return sorted(
            ((k, "checklist.overdue", d) for k, d in self.due.items() if k.startswith(prefix)),
            key=lambda row: row[2],
        )


class FakeDirectory:
    """Nobody is in the directory: everyone is a bare person (the log channel)."""

    def person_or_default(self, handle: str) -> Person:
        return Person(handle=handle)


class FakeOutbox:
    """Queued messages, numbered; a test plays the worker by claiming them by number."""

    def __init__(self) -> None:
        self.messages: list[OutboundMessage] = []

    def enqueue(self, message: OutboundMessage, *, now: datetime) -> None:
        self.messages.append(replace(message, id=len(self.messages) + 1))

    def get_claimed(self, message_id: int, worker: str) -> OutboundMessage | None:
        return self.messages[message_id - 1]

    def mark_sent(self, message: OutboundMessage, **_: Any) -> None:
        pass

    def mark_failed(self, message: OutboundMessage, *, max_attempts: int, **_: Any) -> bool:
        return message.attempts + 1 >= max_attempts


class FakeUnitOfWorkWithTimers(FakeUnitOfWork):
    def __init__(
        self,
        repo: FakeIncidentRepository,
        idem: FakeIdempotency,
        timers: FakeTimers,
        outbox: FakeOutbox | None = None,
    ):
        super().__init__(repo, idem)
        self.timers = timers  # type: ignore[assignment]
        self.directory = FakeDirectory()  # type: ignore[assignment]
        self.outbox = outbox or FakeOutbox()  # type: ignore[assignment]


class Bus:
    """Commands through the real handlers (commands, events) on in-memory storage."""

    def __init__(self, policy: Policy) -> None:
        # Only the checklist's timers are counted here: the clock rules are left out.
        policy = without_clocks(policy)
        self.policy = policy
        self.repo = FakeIncidentRepository()
        self.outbox = FakeOutbox()
        self.timers = FakeTimers()
        self.clock = ManualClock()
        self.seen: list[events.Event] = []
        idem = FakeIdempotency()
        self.bus = MessageBus(
            uow_factory=lambda: FakeUnitOfWorkWithTimers(self.repo, idem, self.timers, self.outbox),
            context=Context(policy=policy, clock=self.clock),
            command_handlers=COMMAND_HANDLERS,
            event_handlers=EVENT_HANDLERS,
            listeners=[self.seen.append],
        )

    def __call__(self, command: c.Command) -> Any:
        return self.bus.handle(command)

    def declare(self, severity: str = "sev1", **kw: Any) -> str:
        kw.setdefault("title", "Logging in is broken for all users")
        result = self.bus.handle(c.DeclareIncident(severity=severity, by="dora", force=True, **kw))
        return str(result["ref"])

    def assign(self, ref: str, role: RoleName, person: str) -> None:
        self.bus.handle(c.AssignRole(ref=ref, role=role, person=person, by="dora"))

    def pass_tests(self, ref: str = "INC-1") -> None:
        """A passed and signed one-step test plan and automated tests (document 003)."""
        self.bus.handle(tc.AddTestStep(ref=ref, title="log in works", by="dora"))
        for env in Environment:
            self.bus.handle(
                tc.RecordStepResult(
                    ref=ref, number=1, environment=env, status=StepStatus.PASSED, by="dora"
                )
            )
        incident = self.incident(ref)
        workers = [a.person for a in incident.roles if a.role is RoleName.WORKER]
        for person in incident.holders(RoleName.COMMANDER)[:1] + workers[:1]:
            self.bus.handle(tc.SignTestPlan(ref=ref, by=person))
        self.bus.handle(
            tc.RecordAutomatedTests(ref=ref, url="https://ci.example.com/runs/7", by="dora")
        )

    def deliver(self, step: str, *, ref: str = "INC-1", error: str | None = None) -> None:
        """The worker's outcome for one delivery of a declaration step (no retries left)."""
        self.outbox.enqueue(
            OutboundMessage(
                key=f"{ref}:{step}:{len(self.outbox.messages)}",
                channel="log",
                destination="#somewhere",
                body="",
                incident_ref=ref,
                payload={"step": step},
            ),
            now=self.clock.now(),
        )
        self.bus.handle(
            nc.RecordDelivery(
                message_id=len(self.outbox.messages),
                worker="worker-1",
                result=None,
                error=error,
                permanent=error is not None,
                max_attempts=1,
            )
        )

    def incident(self, ref: str = "INC-1") -> Incident:
        return self.repo.get(ref)

    def status(self, item: str, ref: str = "INC-1") -> ChecklistStatus:
        return self.incident(ref).checklist_status(item)

    def ticks(self) -> Counter[str]:
        """How many times each item was ticked (by hand or by an event)."""
        return Counter(e.item for e in self.seen if isinstance(e, ce.ChecklistItemChecked))

    def auto_ticked(self) -> set[str]:
        return {e.item for e in self.seen if isinstance(e, ce.ChecklistItemChecked) and e.auto}

    def entries(self, ref: str = "INC-1") -> list[str]:
        number = int(ref.split("-")[1])
        return [e.text for e in self.repo.entries_by_incident.get(number, [])]
