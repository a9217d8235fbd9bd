"""Handlers through the message bus with fake storage: no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes import FakeIdempotency, FakeIncidentRepository, FakeUnitOfWork, ManualClock
from warroom.domain import commands as c
from warroom.domain import events
from warroom.domain.access import AccessRole
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


def chat(text: str, *, by: str, ref: str | None = None, access: AccessRole | None = None) -> Any:
    return ChatRequest(
        text=text, ref=ref, by=by, request_id=f"{by}:{text}", source="slack", access=access
    )


def test_chat_names_a_restricted_incident_only_to_its_people(h: Harness) -> None:
    ref = h.declare("Keys leaked", visibility=Visibility.RESTRICTED, force=True)
    outsider = chat(f"{ref} status", by="mallory", access=AccessRole.RESPONDER)
    assert chat_handle(h.bus, outsider) == f"Not done: incident '{ref}' not found"
    logged = chat(f"{ref} log hello", by="mallory", access=AccessRole.RESPONDER)
    assert "not found" in chat_handle(h.bus, logged)
    h.bus.handle(AddMember(ref=ref, person="mallory", by="alice"))
    assert chat_handle(h.bus, outsider).startswith(f"{ref} SEV2")
    in_room = ChatRequest(text="status", ref=ref, by="someone", request_id="3", source="matrix")
    assert chat_handle(h.bus, in_room).startswith(f"{ref} SEV2")  # the incident's own room
    declarer = chat(f"{ref} status", by="alice", access=AccessRole.VIEWER)
    assert chat_handle(h.bus, declarer).startswith(ref)


def test_a_chat_user_unknown_to_the_directory_is_no_member(h: Harness) -> None:
    ref = h.declare("Keys leaked", visibility=Visibility.RESTRICTED, force=True)
    # Someone added `slack:U1` by hand: the unmapped chat id still does not pass as them.
    h.bus.handle(AddMember(ref=ref, person="slack:U1", by="alice"))
    h.bus.handle(c.AssignRole(ref=ref, role=RoleName.WORKER, person="slack:U1", by="alice"))
    assert chat_handle(h.bus, chat(f"{ref} status", by="slack:U1")) == (
        f"Not done: incident '{ref}' not found"
    )
    assert "not found" in chat_handle(h.bus, chat(f"{ref} log hi", by="slack:U1"))


def test_chat_writes_go_through_the_permission_map(h: Harness) -> None:
    ref = h.declare()
    viewer = chat("log restarted the idp", ref=ref, by="victor", access=AccessRole.VIEWER)
    assert chat_handle(h.bus, viewer) == (
        "Not done: victor: the viewer role may not write (it may not change incidents);"
        " ask an admin for access"
    )
    unknown = chat("stage identified", ref=ref, by="slack:U0NOBODY")
    assert chat_handle(h.bus, unknown) == (
        "Not done: slack:U0NOBODY is not in the directory, so may not change incidents from"
        " chat; ask an admin to add your slack id to your person"
    )
    incident = h.repo.get(ref)
    assert incident.stage == Stage.INVESTIGATING
    assert h.repo.entries(incident.number, [EntryKind.NOTE]) == []
    # Reads stay open to both, in the incident's room.
    for reader in ("victor", "slack:U0NOBODY"):
        access = AccessRole.VIEWER if reader == "victor" else None
        assert chat_handle(h.bus, chat("status", ref=ref, by=reader, access=access)).startswith(
            f"{ref} SEV2"
        )
        answer = chat_handle(h.bus, chat("checklist", ref=ref, by=reader, access=access))
        assert answer.startswith(f"{ref} checklist (investigating)")

    responder = chat("log restarted the idp", ref=ref, by="emily", access=AccessRole.RESPONDER)
    assert chat_handle(h.bus, responder) == f"Logged on {ref}."
    # A viewer made commander commands, as in the API.
    h.bus.handle(c.AssignRole(ref=ref, role=RoleName.COMMANDER, person="victor", by="emily"))
    assert chat_handle(h.bus, viewer) == f"Logged on {ref}."
    notes = [(e.text, e.author) for e in h.repo.entries(incident.number, [EntryKind.NOTE])]
    assert notes == [("restarted the idp", "emily"), ("restarted the idp", "victor")]


def test_chat_checklist_answers_the_list_or_one_roles_items(h: Harness) -> None:
    ref = h.declare()
    everything = chat_handle(h.bus, chat("checklist", ref=ref, by="bob"))
    assert everything.startswith(f"{ref} checklist (investigating): ")
    assert "  [ ] incident-channel: " in everything and "(communications: " in everything
    mine = chat_handle(h.bus, chat(f"{ref} checklist Commander", by="bob"))
    head, *lines = mine.splitlines()
    assert head.startswith(f"{ref} checklist (investigating): ") and head.endswith("— commander")
    assert all("(commander: " in line for line in lines if line.startswith("  ["))
    assert "(communications: " not in mine
    assert chat_handle(h.bus, chat("checklist janitor", ref=ref, by="bob")) == (
        "Not done: role: unknown role 'janitor'; use one of " + ", ".join(RoleName)
    )
