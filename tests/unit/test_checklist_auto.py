"""Automatic completion through the real handlers: each bound event ticks its item once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from tests.support.checklists import Bus
from warroom.adapters.policy_file import load_policy
from warroom.domain import checklist_commands as cc
from warroom.domain import commands as c
from warroom.domain import postmortem_commands as pc
from warroom.domain.checklists import ChecklistStatus, check_rule
from warroom.domain.customers import ContactMethod, ContactOutcome, ReportChannel, Verification
from warroom.domain.enums import (
    Audience,
    EntryKind,
    FollowUpKind,
    FollowUpStatus,
    RoleName,
    Stage,
    Visibility,
)
from warroom.domain.errors import RuleViolation
from warroom.domain.notify_policy import Step
from warroom.domain.policy import Policy


@pytest.fixture
def b(standard: Policy) -> Bus:
    return Bus(standard)


def update(b: Bus, audience: Audience, text: str = "status") -> None:
    b(c.PostUpdate(ref="INC-1", audience=audience, text=text, by="carol"))


def stage(b: Bus, target: Stage) -> None:
    b(c.ChangeStage(ref="INC-1", stage=target, by="alice"))


def run_whole_incident(b: Bus) -> None:
    """A sev1 from declaration to published postmortem, raising every event standard binds."""
    ref = b.declare("sev1", visibility=Visibility.PUBLIC)  # the video bridge step is done now
    for step in (Step.ROOM, Step.NOTIFY_TEAM, Step.ANNOUNCE):
        b.deliver(step, ref=ref)
    b.assign(ref, RoleName.COMMANDER, "alice")
    b.assign(ref, RoleName.COMMUNICATIONS, "carol")
    b.assign(ref, RoleName.WORKER, "bob")
    b.assign(ref, RoleName.LIAISON, "lee")
    links = {"room": "https://chat.example/#/room/inc", "ticket": "https://tickets.example/IM-7"}
    b(c.EditIncident(ref=ref, by="alice", changes={"links": links}))
    update(b, Audience.OBSERVERS)
    update(b, Audience.INTERNAL)
    update(b, Audience.CUSTOMERS)
    b(c.StartExperiment(ref=ref, hypothesis="IdP down", action="fail over", by="bob"))
    b(c.AddTimelineEntry(ref=ref, kind=EntryKind.NOTE, text="errors from the IdP", by="bob"))
    for n in range(5):
        b(c.AddWhy(ref=ref, text=f"because {n}", by="alice"))
    stage(b, Stage.IDENTIFIED)
    b(cc.AddCustomer(ref=ref, name="Acme", by="lee", reported_via=ReportChannel.SUPPORT_TICKET))
    for method in (ContactMethod.PHONE, ContactMethod.EMAIL):
        b(
            cc.LogCustomerContact(
                ref=ref, number=1, method=method, outcome=ContactOutcome.REACHED, by="lee"
            )
        )
    stage(b, Stage.MONITORING)
    b(cc.SetCustomerVerification(ref=ref, number=1, status=Verification.CONFIRMED, by="lee"))
    b.pass_tests(ref)
    b(c.ReleaseRole(ref=ref, role=RoleName.WORKER, person="bob", by="alice"))
    update(b, Audience.OBSERVERS)
    stage(b, Stage.MITIGATED)
    update(b, Audience.INTERNAL)
    update(b, Audience.CUSTOMERS)
    b(pc.ScheduleRetrospective(ref=ref, by="alice", starts_at=b.clock.now() + timedelta(hours=20)))
    b(c.AddFollowUp(ref=ref, title="Second IdP", kind=FollowUpKind.DURABLE_FIX, by="alice"))
    b(c.CloseFollowUp(ref=ref, number=1, status=FollowUpStatus.DONE, by="alice"))
    stage(b, Stage.RESOLVED)
    b(c.WritePostmortem(ref=ref, by="alice", body="# Postmortem"))
    b(c.PublishPostmortem(ref=ref, by="alice"))
    b(pc.WriteCustomerPostmortem(ref=ref, by="lee", body="# What happened"))
    b(pc.PublishCustomerPostmortem(ref=ref, by="lee"))


def test_every_bound_event_ticks_its_items_exactly_once(b: Bus, standard: Policy) -> None:
    run_whole_incident(b)
    raised = {type(e).__name__ for e in b.seen}
    assert set(standard.checklist.by_event) <= raised, "the scenario raises every bound event"
    bound = {i.id for i in standard.checklist.for_severity("sev1") if i.done_when}
    assert b.auto_ticked() == bound
    assert all(count == 1 for count in b.ticks().values()), b.ticks()
    incident = b.incident()
    for item_id in bound:
        mark = incident.checklist_mark(item_id)
        assert mark is not None and mark.status is ChecklistStatus.DONE
        assert mark.auto_event == standard.checklist.item(item_id).done_when.event  # type: ignore[union-attr]
    before = b.ticks()
    update(b, Audience.INTERNAL)
    update(b, Audience.OBSERVERS)
    b.assign("INC-1", RoleName.COMMANDER, "alfred")  # a hand-off raises RoleAssigned again
    b.deliver(Step.ANNOUNCE)  # a second destination of the same step
    b(c.AddWhy(ref="INC-1", text="one more", by="alice"))
    assert b.ticks() == before


def test_items_are_ticked_at_the_true_time_of_their_event(b: Bus) -> None:
    b.declare("sev1")
    then = b.clock.now() + timedelta(minutes=4)
    b.clock.advance(minutes=30)
    b(c.AssignRole(ref="INC-1", role=RoleName.COMMANDER, person="alice", by="d", occurred_at=then))
    mark = b.incident().checklist_mark("page-commander")
    assert mark is not None and mark.at == then and mark.by == "d"
    assert (
        "Checklist: ticked 'Page the Incident Commander for immediate engagement.' "
        in (b.entries()[-1])
    )


def test_a_hand_ticked_item_is_neither_reticked_nor_unticked_by_an_event(b: Bus) -> None:
    b.declare("sev1")
    when = b.clock.now()
    b.clock.advance(minutes=10)
    b(
        cc.CheckItem(
            ref="INC-1",
            item="internal-update",
            by="carol",
            note="said so on the bridge",
            occurred_at=when,
        )
    )
    update(b, Audience.INTERNAL)
    mark = b.incident().checklist_mark("internal-update")
    assert mark is not None and mark.status is ChecklistStatus.DONE
    assert (mark.by, mark.at, mark.auto_event) == ("carol", when, None)
    assert b.ticks()["internal-update"] == 1
    assert "internal-update" not in b.auto_ticked()


def test_a_skipped_item_is_not_auto_ticked_until_reopened(b: Bus) -> None:
    b.declare("sev1")
    b(cc.SkipItem(ref="INC-1", item="customer-update", reason="no customer impact yet", by="a"))
    update(b, Audience.CUSTOMERS)
    assert b.status("customer-update") is ChecklistStatus.SKIPPED
    b(cc.ReopenItem(ref="INC-1", item="customer-update", by="a", reason="customers noticed"))
    assert b.status("customer-update") is ChecklistStatus.OPEN
    update(b, Audience.CUSTOMERS)
    assert b.status("customer-update") is ChecklistStatus.DONE
    assert "customer-update" in b.auto_ticked()


def test_an_event_ticks_only_items_whose_stage_has_been_reached(b: Bus) -> None:
    b.declare("sev1")
    update(b, Audience.OBSERVERS)
    assert b.status("contact-observers") is ChecklistStatus.DONE
    assert b.status("update-observers") is ChecklistStatus.OPEN  # an ending step (monitoring)
    stage(b, Stage.MONITORING)
    update(b, Audience.OBSERVERS)
    assert b.status("update-observers") is ChecklistStatus.DONE


def test_items_of_other_severities_are_not_ticked(b: Bus) -> None:
    b.declare("sev3")
    b.assign("INC-1", RoleName.COMMANDER, "alice")
    assert b.status("page-commander") is ChecklistStatus.OPEN  # sev1 only
    assert b.status("check-declared") is ChecklistStatus.DONE  # every severity
    with pytest.raises(RuleViolation) as err:
        b(cc.CheckItem(ref="INC-1", item="page-commander", by="a"))
    assert err.value.rule == "checklist.not_applicable"


def test_required_roles_filled_is_raised_once_when_the_last_role_is_filled(b: Bus) -> None:
    b.declare("sev1")
    b.assign("INC-1", RoleName.COMMANDER, "alice")
    b.assign("INC-1", RoleName.WORKER, "bob")
    assert b.status("assign-roles") is ChecklistStatus.OPEN
    b.assign("INC-1", RoleName.COMMUNICATIONS, "carol")
    b.assign("INC-1", RoleName.WORKER, "bea")  # a second worker: nothing was missing
    b.assign("INC-1", RoleName.COMMANDER, "alfred")  # a hand-off: nothing was missing
    filled = [e for e in b.seen if type(e).__name__ == "RequiredRolesFilled"]
    assert len(filled) == 1 and b.status("assign-roles") is ChecklistStatus.DONE


def test_deadlines_become_timers_and_leave_with_the_item(b: Bus) -> None:
    b.declare("sev1")
    declared = b.clock.now()
    keys = {
        "INC-1:checklist:page-commander": declared + timedelta(minutes=5),
        "INC-1:checklist:page-communications": declared + timedelta(minutes=5),
        "INC-1:checklist:incident-channel": declared + timedelta(minutes=15),
        "INC-1:checklist:pin-summary": declared + timedelta(minutes=15),
        "INC-1:checklist:notify-owning-team": declared + timedelta(minutes=15),
        "INC-1:checklist:announce-incident": declared + timedelta(minutes=15),
    }
    assert b.timers.due == keys
    b.assign("INC-1", RoleName.COMMANDER, "alice")  # ticks page-commander
    b(cc.SkipItem(ref="INC-1", item="pin-summary", reason="no chat", by="alice"))
    assert "INC-1:checklist:page-commander" not in b.timers.due
    assert "INC-1:checklist:pin-summary" not in b.timers.due
    b(cc.ReopenItem(ref="INC-1", item="pin-summary", by="alice"))
    assert b.timers.due["INC-1:checklist:pin-summary"] == declared + timedelta(minutes=15)
    b.clock.advance(hours=2)
    stage(b, Stage.MITIGATED)  # counted from reaching the stage
    assert b.timers.due["INC-1:checklist:schedule-retrospective"] == b.clock.now() + timedelta(
        days=1
    )
    stage(b, Stage.INVESTIGATING)  # a relapse: the mitigated steps are not due any more
    assert "INC-1:checklist:schedule-retrospective" not in b.timers.due


def test_severity_changes_move_the_deadlines_in_and_out(b: Bus) -> None:
    b.declare("sev2")
    assert "INC-1:checklist:page-commander" not in b.timers.due
    b(c.ChangeSeverity(ref="INC-1", severity="sev1", by="alice"))
    assert "INC-1:checklist:page-commander" in b.timers.due
    b(c.ChangeSeverity(ref="INC-1", severity="sev2", by="alice"))
    assert "INC-1:checklist:page-commander" not in b.timers.due


def test_other_presets_tick_their_own_lists() -> None:
    b = Bus(load_policy("p1-runbook"))
    b.declare("p1")
    for n in range(4):
        b(c.AddWhy(ref="INC-1", text=f"why {n}", by="lead"))
    assert b.status("five-whys") is ChecklistStatus.OPEN
    b(c.AddWhy(ref="INC-1", text="the root cause", by="lead"))
    assert b.status("five-whys") is ChecklistStatus.DONE
    stage(b, Stage.MITIGATED)
    assert b.status("announce-yellow") is ChecklistStatus.DONE
    assert b.status("verify-recovery") is ChecklistStatus.OPEN


def test_a_room_step_done_raises_room_created_and_step_done_and_a_retry_does_not(b: Bus) -> None:
    b.declare("sev1")
    incident = b.incident()
    seen = len(incident.events)
    incident.record_step("room", "retrying", "matrix → #inc", now=b.clock.now())
    assert [type(e).__name__ for e in incident.events[seen:]] == []
    incident.record_step("room", "done", "matrix → #inc", now=b.clock.now())
    created, done = incident.events[seen:]
    assert type(created).__name__ == "RoomCreated" and created.room == "matrix → #inc"  # type: ignore[attr-defined]
    assert type(done).__name__ == "DeclarationStepDone" and done.step == "room"  # type: ignore[attr-defined]


def test_a_linked_room_or_ticket_ticks_its_item_once(b: Bus) -> None:
    ref = b.declare("sev1")
    b(c.EditIncident(ref=ref, by="alice", changes={"links": {"ticket": "https://t.example/1"}}))
    assert b.status("ticket") is ChecklistStatus.DONE
    assert b.status("incident-channel") is ChecklistStatus.OPEN
    b(c.EditIncident(ref=ref, by="alice", changes={"links": {"ticket": "https://t.example/1"}}))
    assert b.ticks()["ticket"] == 1
    room = {"ticket": "https://t.example/1", "room": "https://chat.example/r"}
    b(c.EditIncident(ref=ref, by="bob", changes={"links": room}))
    assert b.status("incident-channel") is ChecklistStatus.DONE
    assert b.ticks()["ticket"] == 1


STEP_ITEMS = {
    Step.ROOM: "pin-summary",
    Step.NOTIFY_TEAM: "notify-owning-team",
    Step.ANNOUNCE: "announce-incident",
}


@pytest.mark.parametrize("step", list(STEP_ITEMS))
def test_a_delivered_declaration_step_ticks_its_item(b: Bus, step: Step) -> None:
    b.declare("sev2")
    assert b.status(STEP_ITEMS[step]) is ChecklistStatus.OPEN
    b.deliver(step)
    mark = b.incident().checklist_mark(STEP_ITEMS[step])
    assert mark is not None and mark.status is ChecklistStatus.DONE
    assert mark.auto_event == "DeclarationStepDone"
    assert b.auto_ticked() & set(STEP_ITEMS.values()) == {STEP_ITEMS[step]}


@pytest.mark.parametrize("step", list(STEP_ITEMS))
def test_a_failed_or_skipped_declaration_step_leaves_its_item_open(b: Bus, step: Step) -> None:
    b.declare("sev2")  # no rooms, no owning team, no announce channel here: all skipped
    assert any(t.startswith(f"Declaration step {step}: skipped") for t in b.entries())
    b.deliver(step, error="DeliveryError: no such channel")
    assert any(t.startswith(f"Declaration step {step}: failed") for t in b.entries())
    assert b.status(STEP_ITEMS[step]) is ChecklistStatus.OPEN
    assert not [e for e in b.seen if type(e).__name__ == "DeclarationStepDone" and e.step == step]  # type: ignore[attr-defined]


def test_the_video_bridge_item_is_ticked_by_its_link_and_not_without_a_template(
    standard: Policy,
) -> None:
    b = Bus(standard)
    b.declare("sev2")
    assert b.status("video-bridge") is ChecklistStatus.DONE
    assert b.incident().links["video_bridge"].startswith("https://meet.jit.si/")
    data = dataclasses.replace(standard.declaration, video_bridge_url="")
    b = Bus(dataclasses.replace(standard, declaration=data))
    b.declare("sev2")
    assert b.status("video-bridge") is ChecklistStatus.OPEN
    assert any(t.startswith("Declaration step video_bridge: skipped") for t in b.entries())


def test_a_misspelt_declaration_step_binding_is_refused_at_load_time() -> None:
    rule, problems = check_rule("DeclarationStepDone", {"step": "anounce"}, ["sev1"])
    assert rule is None
    assert problems == [
        "DeclarationStepDone.step: 'anounce' is not one of "
        "room, notify_team, announce, video_bridge, ticket"
    ]
