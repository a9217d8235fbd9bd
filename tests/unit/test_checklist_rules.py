"""Ticking, skipping and reopening by hand; affected customers and the verification gate."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.checklists import Bus
from warroom.domain import checklist_commands as cc
from warroom.domain import commands as c
from warroom.domain.checklists import ChecklistStatus
from warroom.domain.customers import ContactMethod, ContactOutcome, ReportChannel, Verification
from warroom.domain.enums import RoleName, Stage
from warroom.domain.errors import GateBlocked, InvalidInput, NotFound, RuleViolation
from warroom.domain.policy import Policy


@pytest.fixture
def b(standard: Policy) -> Bus:
    bus = Bus(standard)
    bus.declare("sev2")
    return bus


def test_ticking_by_hand_records_who_when_and_a_note_on_the_timeline(b: Bus) -> None:
    when = b.clock.now() + timedelta(minutes=3)
    b.clock.advance(minutes=20)
    b(
        cc.CheckItem(
            ref="INC-1",
            item="ask-worker-help",
            by="alice",
            note="bob says he is fine",
            occurred_at=when,
        )
    )
    mark = b.incident().checklist_mark("ask-worker-help")
    assert mark is not None
    assert (mark.status, mark.by, mark.at, mark.recorded_at) == (
        ChecklistStatus.DONE,
        "alice",
        when,
        b.clock.now(),
    )
    assert b.entries()[-1] == (
        "Checklist: ticked 'Ask the worker if they believe they will need help. Arrange for it if they do.'"
        " — bob says he is fine"
    )


def test_refusals_name_the_rule(b: Bus) -> None:
    b(cc.CheckItem(ref="INC-1", item="ask-worker-help", by="alice"))
    with pytest.raises(RuleViolation) as err:
        b(cc.CheckItem(ref="INC-1", item="ask-worker-help", by="bob"))
    assert err.value.rule == "checklist.done" and "ticked by alice" in err.value.message
    with pytest.raises(RuleViolation) as err:
        b(cc.SkipItem(ref="INC-1", item="ask-worker-help", reason="x", by="bob"))
    assert err.value.rule == "checklist.done"
    with pytest.raises(RuleViolation) as err:
        b(cc.SkipItem(ref="INC-1", item="pin-summary", reason="  ", by="bob"))
    assert err.value.rule == "checklist.skip_reason"
    with pytest.raises(RuleViolation) as err:
        b(cc.ReopenItem(ref="INC-1", item="pin-summary", by="bob"))
    assert err.value.rule == "checklist.open"
    with pytest.raises(NotFound):
        b(cc.CheckItem(ref="INC-1", item="no-such-step", by="bob"))
    with pytest.raises(InvalidInput) as bad:
        b(
            cc.CheckItem(
                ref="INC-1",
                item="pin-summary",
                by="bob",
                occurred_at=b.clock.now() + timedelta(hours=1),
            )
        )
    assert bad.value.field == "occurred_at"


def test_a_skipped_item_may_be_ticked_after_all_and_every_change_is_on_the_timeline(
    b: Bus,
) -> None:
    b(cc.SkipItem(ref="INC-1", item="ask-worker-help", reason="the fix is a one-liner", by="a"))
    b(cc.CheckItem(ref="INC-1", item="ask-worker-help", by="a"))
    b(cc.ReopenItem(ref="INC-1", item="ask-worker-help", by="a", reason="the worker is stuck"))
    assert b.status("ask-worker-help") is ChecklistStatus.OPEN
    texts = [t for t in b.entries() if "Ask the worker" in t]
    assert [t.split(" '")[0] for t in texts] == [
        "Checklist: skipped",
        "Checklist: ticked",
        "Checklist: reopened",
    ]
    assert texts[0].endswith(": the fix is a one-liner")
    assert texts[2].endswith(": the worker is stuck")


def test_checklist_changes_are_recorded_on_closed_incidents_too(b: Bus) -> None:
    incident = b.incident()
    incident.stage = Stage.CLOSED
    b(cc.CheckItem(ref="INC-1", item="ppm-summary", by="lee"))
    assert b.status("ppm-summary") is ChecklistStatus.DONE


# -- affected customers -------------------------------------------------------------------------


def add(b: Bus, name: str, via: ReportChannel | None) -> int:
    result = b(
        cc.AddCustomer(
            ref="INC-1", name=name, contact="+1 555 0100", tier="gold", reported_via=via, by="lee"
        )
    )
    return int(result["number"])


def test_the_contact_log_keeps_questions_and_answers_but_the_timeline_only_numbers(
    b: Bus,
) -> None:
    number = add(b, "Acme Corp", ReportChannel.PHONE)
    b(
        cc.LogCustomerContact(
            ref="INC-1",
            number=number,
            method=ContactMethod.PHONE,
            outcome=ContactOutcome.NOT_REACHED,
            by="lee",
        )
    )
    b(
        cc.LogCustomerContact(
            ref="INC-1",
            number=number,
            method=ContactMethod.EMAIL,
            outcome=ContactOutcome.SENT,
            by="lee",
            note="sent the bi-hourly update",
            answers=(("Is there a specific error message customers will see?", "HTTP 500"),),
        )
    )
    customer = b.incident().customer(number)
    assert [(x.method, x.outcome) for x in customer.contacts] == [
        (ContactMethod.PHONE, ContactOutcome.NOT_REACHED),
        (ContactMethod.EMAIL, ContactOutcome.SENT),
    ]
    assert customer.contacts[1].answers == [
        {"question": "Is there a specific error message customers will see?", "answer": "HTTP 500"}
    ]
    timeline = "\n".join(b.entries())
    assert "Customer #1 contacted by email: sent; 1 questions answered" in timeline
    assert "Acme" not in timeline and "555" not in timeline and "HTTP 500" not in timeline


def test_bad_customer_input_is_refused(b: Bus) -> None:
    with pytest.raises(InvalidInput) as err:
        b(cc.AddCustomer(ref="INC-1", name="  ", by="lee"))
    assert err.value.field == "name"
    with pytest.raises(NotFound):
        b(
            cc.LogCustomerContact(
                ref="INC-1",
                number=9,
                method=ContactMethod.PHONE,
                outcome=ContactOutcome.REACHED,
                by="lee",
            )
        )
    number = add(b, "Acme", None)
    with pytest.raises(InvalidInput) as err:
        b(cc.EditCustomer(ref="INC-1", number=number, by="lee", changes={"reported_via": "fax"}))
    assert err.value.field == "reported_via"
    with pytest.raises(InvalidInput) as err:
        b(cc.EditCustomer(ref="INC-1", number=number, by="lee", changes={"email": "x"}))
    assert err.value.field == "email"


def test_the_verification_gate_lists_customers_then_passes(b: Bus) -> None:
    b.assign("INC-1", RoleName.COMMANDER, "alice")
    b.assign("INC-1", RoleName.LIAISON, "lee")
    reported = add(b, "Acme", ReportChannel.SUPPORT_TICKET)
    silent = add(b, "Globex", ReportChannel.EMAIL)
    add(b, "Initech", None)  # affected, but never reported: not asked to confirm
    b.assign("INC-1", RoleName.WORKER, "wendy")
    b.pass_tests()
    b(c.ChangeStage(ref="INC-1", stage=Stage.MITIGATED, by="alice"))
    with pytest.raises(GateBlocked) as err:
        b(c.ChangeStage(ref="INC-1", stage=Stage.RESOLVED, by="alice"))
    assert err.value.failures == [
        (
            "customers_verified",
            "customers who reported the problem have not confirmed the fix (or been waived by "
            "the liaison or commander): #1, #2",
        )
    ]
    b(
        cc.SetCustomerVerification(
            ref="INC-1",
            number=reported,
            status=Verification.CONFIRMED,
            by="lee",
            note="all green on their side",
        )
    )
    with pytest.raises(RuleViolation) as rule:
        b(
            cc.SetCustomerVerification(
                ref="INC-1",
                number=silent,
                status=Verification.WAIVED,
                by="bob",
                note="never answers",
            )
        )
    assert rule.value.rule == "customers.waive_role"
    with pytest.raises(RuleViolation) as rule:
        b(
            cc.SetCustomerVerification(
                ref="INC-1", number=silent, status=Verification.WAIVED, by="lee"
            )
        )
    assert rule.value.rule == "customers.waive_reason"
    b(
        cc.SetCustomerVerification(
            ref="INC-1",
            number=silent,
            status=Verification.WAIVED,
            by="alice",
            note="no answer after three calls",
        )
    )
    verified = [e for e in b.seen if type(e).__name__ == "CustomersVerified"]
    assert len(verified) == 1
    b(c.ChangeStage(ref="INC-1", stage=Stage.RESOLVED, by="alice"))
    assert b.incident().stage is Stage.RESOLVED
    assert "Customer #2: confirmation waived by alice" in b.entries()
    assert not any("three calls" in t for t in b.entries())


def test_reopening_a_confirmation_blocks_the_gate_again(b: Bus) -> None:
    number = add(b, "Acme", ReportChannel.CHAT)
    b(
        cc.SetCustomerVerification(
            ref="INC-1", number=number, status=Verification.CONFIRMED, by="lee"
        )
    )
    assert b.incident().customers_awaiting_confirmation() == []
    b(
        cc.SetCustomerVerification(
            ref="INC-1", number=number, status=Verification.PENDING, by="lee", note="it broke again"
        )
    )
    assert [x.number for x in b.incident().customers_awaiting_confirmation()] == [number]
    with pytest.raises(RuleViolation) as rule:
        b(
            cc.SetCustomerVerification(
                ref="INC-1", number=number, status=Verification.PENDING, by="lee"
            )
        )
    assert rule.value.rule == "customers.verification_same"
