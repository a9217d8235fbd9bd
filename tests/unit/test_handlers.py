"""Handlers through the message bus with fake storage: no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes import FakeIdempotency, FakeIncidentRepository, FakeUnitOfWork, ManualClock
from warroom.domain import commands as c
from warroom.domain import events
from warroom.domain.enums import EntryKind, FollowUpKind, RoleName, Stage, Visibility
from warroom.domain.errors import DuplicateSuspected, RuleViolation
from warroom.domain.member_commands import AddMember
from warroom.domain.policy import Policy
from warroom.service_layer.chat_commands import ChatRequest
from warroom.service_layer.chat_commands import handle as chat_handle
from warroom.service_layer.handlers import COMMAND_HANDLERS
from warroom.service_layer.messagebus import Context, IdempotencyKey, MessageBus


class Harness:
    def __init__(self, policy: Policy) -> None:
        self.repo = FakeIncidentRepository()
        self.idem = FakeIdempotency()
        self.clock = ManualClock()
        self.seen: list[events.Event] = []
        self.reacted: list[events.Event] = []
        self.bus = MessageBus(
            uow_factory=lambda: FakeUnitOfWork(self.repo, self.idem),
            context=Context(policy=policy, clock=self.clock),
            command_handlers=COMMAND_HANDLERS,
            event_handlers={events.StageChanged: [self._react]},
            listeners=[self.seen.append],
        )

    def _react(self, event: events.Event, **_: Any) -> None:
        self.reacted.append(event)

    def declare(self, title: str = "Logging in is broken", **kw: Any) -> str:
        kw.setdefault("severity", "sev2")
        result: dict[str, Any] = self.bus.handle(c.DeclareIncident(title=title, by="alice", **kw))
        return str(result["ref"])


@pytest.fixture
def h(standard: Policy) -> Harness:
    return Harness(standard)


def test_declare_allocates_refs_and_reports_classification(h: Harness) -> None:
    result = h.bus.handle(
        c.DeclareIncident(title="VMs down", severity="sev3", by="a", customers_affected=3)
    )
    assert result == {
        "ref": "INC-1",
        "classification": {
            "rule": "urgent",
            "description": "two or more customers, or an entire product or service, is urgent (document 000)",
            "suggested": "sev1",
            "applied": False,
        },
    }
    assert h.declare("Something else") == "INC-2"


def test_default_severity_comes_from_the_policy(h: Harness) -> None:
    ref = h.bus.handle(c.DeclareIncident(title="x", severity=None, by="a"))["ref"]
    assert h.repo.get(ref).severity == "sev3"


def test_duplicates_are_refused_unless_forced(h: Harness) -> None:
    h.declare(services=("auth",))
    with pytest.raises(DuplicateSuspected) as err:
        h.declare("Totally different words", services=("auth",))
    assert err.value.candidates[0]["ref"] == "INC-1"
    assert err.value.candidates[0]["reason"] == "open on the same service: auth"
    assert h.declare("Totally different words", services=("auth",), force=True) == "INC-2"


def test_closed_incidents_are_not_duplicates(h: Harness) -> None:
    ref = h.declare(services=("auth",), severity="sev4")
    h.repo.get(ref).stage = Stage.CLOSED
    assert h.declare(services=("auth",)) == "INC-2"


def test_events_reach_in_transaction_handlers_and_listeners(h: Harness) -> None:
    ref = h.declare()
    h.bus.handle(c.ChangeStage(ref=ref, stage=Stage.IDENTIFIED, by="a"))
    assert [type(e) for e in h.reacted] == [events.StageChanged]
    assert [type(e).__name__ for e in h.seen] == ["IncidentDeclared", "StageChanged"]


def test_idempotency_key_replays_the_first_result(h: Harness) -> None:
    key = IdempotencyKey("emily", "k1", "fp")
    cmd = c.DeclareIncident(title="x", severity="sev2", by="emily")
    first = h.bus.handle_idempotent(cmd, key)
    again = h.bus.handle_idempotent(cmd, key)
    assert again.replayed and again.result == first.result
    assert len(h.repo.incidents) == 1
    with pytest.raises(RuleViolation) as err:
        h.bus.handle_idempotent(cmd, IdempotencyKey("emily", "k1", "other"))
    assert err.value.rule == "idempotency.key_reused"


def test_timeline_entry_result_carries_its_id_and_true_time(h: Harness) -> None:
    ref = h.declare()
    when = h.clock.now()
    h.clock.advance(minutes=30)
    result = h.bus.handle(
        c.AddTimelineEntry(ref=ref, kind=EntryKind.HYPOTHESIS, text="IdP", by="e", occurred_at=when)
    )
    entry = result["entry"]
    assert entry["id"] is not None and entry["kind"] == "hypothesis"
    assert entry["occurred_at"] == when.isoformat()


def test_postmortem_is_drafted_from_the_record(h: Harness) -> None:
    ref = h.declare(functionality="logging in", state="broken", audience="all users")
    h.bus.handle(c.AssignRole(ref=ref, role=RoleName.COMMANDER, person="alice", by="a"))
    h.bus.handle(
        c.AddTimelineEntry(ref=ref, kind=EntryKind.MANUAL_CHANGE, text="restarted idp", by="e")
    )
    h.clock.advance(minutes=42)
    h.bus.handle(c.ChangeStage(ref=ref, stage=Stage.MITIGATED, by="a"))
    h.bus.handle(
        c.AddFollowUp(
            ref=ref, title="Second IdP", kind=FollowUpKind.DURABLE_FIX, by="a", owner="carol"
        )
    )
    h.bus.handle(c.WritePostmortem(ref=ref, by="a"))
    body = h.repo.get(ref).postmortem.body  # type: ignore[union-attr]
    assert body.startswith("# Postmortem INC-1: Logging in is broken for all users")
    assert "- Duration of customer impact (start to mitigation): 42 min" in body
    assert "manual-change: restarted idp" in body
    assert "- [ ] #1 (durable-fix) Second IdP — carol" in body
    assert "- alice (commander)" in body


def test_chat_names_a_restricted_incident_only_to_its_people(h: Harness) -> None:
    ref = h.declare("Keys leaked", visibility=Visibility.RESTRICTED, force=True)
    outsider = ChatRequest(
        text=f"{ref} status", ref=None, by="mallory", request_id="1", source="slack"
    )
    assert chat_handle(h.bus, outsider) == f"Not done: incident '{ref}' not found"
    logged = ChatRequest(
        text=f"{ref} log hello", ref=None, by="mallory", request_id="2", source="slack"
    )
    assert "not found" in chat_handle(h.bus, logged)
    h.bus.handle(AddMember(ref=ref, person="mallory", by="alice"))
    assert chat_handle(h.bus, outsider).startswith(f"{ref} SEV2")
    in_room = ChatRequest(text="status", ref=ref, by="someone", request_id="3", source="matrix")
    assert chat_handle(h.bus, in_room).startswith(f"{ref} SEV2")  # the incident's own room
    declarer = ChatRequest(
        text=f"{ref} status", ref=None, by="alice", request_id="4", source="slack"
    )
    assert chat_handle(h.bus, declarer).startswith(ref)
