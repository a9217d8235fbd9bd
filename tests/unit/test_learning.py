"""Scheduling the retrospective, the postmortem's sections and the customer version (domain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.unit.helpers import T0, at, declare, walk
from warroom.domain import postmortem_events as pev
from warroom.domain.enums import (
    EntryKind,
    ExperimentStatus,
    FollowUpKind,
    RoleName,
    Stage,
    Visibility,
)
from warroom.domain.errors import InvalidInput, RuleViolation
from warroom.domain.events import PostmortemPublished
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.domain.postmortem_draft import draft_customer_postmortem, draft_postmortem
from warroom.domain.retro_agenda import retrospective_agenda
from warroom.domain.timeline import TimelineEntry

# sev3 (standard): the retrospective within 2 working days of the mitigation. Mitigated on
# Monday 23 Nov 2026 at 10:30 UTC, it is due by the close (17:00 UTC) of Wednesday 25 Nov.
DEADLINE = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


def mitigated(standard: Policy, **kw: Any) -> Incident:
    incident = declare(standard, severity="sev3", **kw)
    for role, person in ((RoleName.COMMANDER, "alice"), (RoleName.WORKER, "bob")):
        incident.assign_role(role, person, policy=standard, by="alice", now=T0)
    incident.assign_role(RoleName.OBSERVER, "olga", policy=standard, by="alice", now=at(5))
    walk(incident, standard, Stage.MITIGATED, now=at(60))
    incident.events.clear()
    return incident


def schedule(incident: Incident, policy: Policy, starts_at: datetime, **kw: Any) -> Any:
    return incident.schedule_retrospective(
        starts_at=starts_at,
        duration_minutes=kw.pop("duration_minutes", 60),
        participants=kw.pop("participants", ()),
        policy=policy,
        by="alice",
        now=at(90),
        **kw,
    )


def test_the_deadline_is_the_policy_span_on_the_business_calendar(standard: Policy) -> None:
    incident = mitigated(standard)
    assert incident.retrospective_deadline(standard) == DEADLINE


def test_scheduling_invites_every_role_holder_and_raises_the_event(standard: Policy) -> None:
    incident = mitigated(standard)
    meeting = schedule(incident, standard, DEADLINE - timedelta(hours=2), location="Room 4")
    assert incident.retro_meeting is not None and incident.retro_meeting is meeting
    assert incident.retro_meeting.participants == ["alice", "bob", "olga"]
    [event] = incident.events
    assert event == pev.RetrospectiveScheduled(
        ref="INC-1",
        by="alice",
        starts_at=DEADLINE - timedelta(hours=2),
        sequence=0,
        forced=False,
        occurred_at=at(90),
    )
    [entry] = [e for e in incident.new_entries if e.data.get("retrospective") == "scheduled"]
    assert "alice, bob, olga" in entry.text and entry.kind is EntryKind.SYSTEM


def test_moving_the_meeting_keeps_it_and_counts_the_sequence(standard: Policy) -> None:
    incident = mitigated(standard)
    schedule(incident, standard, DEADLINE - timedelta(hours=5))
    schedule(incident, standard, DEADLINE - timedelta(hours=1), participants=("alice", "zoe"))
    assert incident.retro_meeting is not None
    assert incident.retro_meeting.sequence == 1
    assert incident.retro_meeting.participants == ["alice", "zoe"]
    assert [e.sequence for e in incident.events if isinstance(e, pev.RetrospectiveScheduled)] == [
        0,
        1,
    ]


def test_after_the_deadline_is_refused_unless_forced_with_a_reason(standard: Policy) -> None:
    incident = mitigated(standard)
    late = DEADLINE + timedelta(minutes=1)
    with pytest.raises(RuleViolation) as refused:
        schedule(incident, standard, late)
    assert refused.value.rule == "retrospective.deadline"
    with pytest.raises(InvalidInput) as bad:
        schedule(incident, standard, late, force=True)
    assert bad.value.field == "reason"
    schedule(incident, standard, late, force=True, reason="the commander is on leave")
    assert incident.retro_meeting is not None
    assert incident.retro_meeting.forced_reason == "the commander is on leave"
    assert incident.events[-1].forced is True  # type: ignore[attr-defined]
    # Exactly at the deadline is still on time.
    schedule(incident, standard, DEADLINE)
    assert incident.retro_meeting.forced_reason is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"starts_at": at(80)}, "starts_at"),
        ({"starts_at": datetime(2026, 11, 24, 10, 0)}, "starts_at"),
        ({"duration_minutes": 5}, "duration"),
        ({"url": "javascript:alert(1)"}, "url"),
    ],
)
def test_bad_meetings_name_their_field(
    standard: Policy, kwargs: dict[str, object], field: str
) -> None:
    incident = mitigated(standard)
    starts = kwargs.pop("starts_at", DEADLINE - timedelta(hours=3))
    with pytest.raises(InvalidInput) as bad:
        schedule(incident, standard, starts, **kwargs)  # type: ignore[arg-type]
    assert bad.value.field == field


def test_no_meeting_before_mitigation_or_after_it_was_held(standard: Policy) -> None:
    incident = declare(standard, severity="sev3")
    with pytest.raises(RuleViolation) as early:
        schedule(incident, standard, DEADLINE)
    assert early.value.rule == "retrospective.too_early"
    incident = mitigated(standard)
    incident.record_retrospective(policy=standard, by="alice", now=at(80))
    with pytest.raises(RuleViolation) as held:
        schedule(incident, standard, DEADLINE)
    assert held.value.rule == "retrospective.already"


@pytest.mark.parametrize("visibility", [Visibility.INTERNAL, Visibility.RESTRICTED])
def test_only_public_incidents_publish_a_customer_postmortem(
    standard: Policy, visibility: Visibility
) -> None:
    incident = mitigated(standard, visibility=visibility)
    incident.write_postmortem("# PM", policy=standard, by="alice", now=at(70))
    incident.write_customer_postmortem("# For you", policy=standard, by="lee", now=at(71))
    with pytest.raises(RuleViolation) as refused:
        incident.publish_customer_postmortem(policy=standard, by="lee", now=at(72))
    assert refused.value.rule == "postmortem.customers.not_public"
    assert incident.postmortem is not None and incident.postmortem.customer_published_at is None


def test_the_customer_postmortem_follows_the_internal_one(standard: Policy) -> None:
    incident = mitigated(standard, visibility=Visibility.PUBLIC)
    with pytest.raises(RuleViolation) as missing:
        incident.write_customer_postmortem("# For you", policy=standard, by="lee", now=at(70))
    assert missing.value.rule == "postmortem.missing"
    incident.write_postmortem("# PM", policy=standard, by="alice", now=at(70))
    with pytest.raises(RuleViolation) as none_yet:
        incident.publish_customer_postmortem(policy=standard, by="lee", now=at(71))
    assert none_yet.value.rule == "postmortem.customers.missing"
    incident.write_customer_postmortem("# For you", policy=standard, by="lee", now=at(71))
    incident.publish_customer_postmortem(policy=standard, by="lee", now=at(72))
    assert incident.events[-1] == PostmortemPublished(
        ref="INC-1", by="lee", occurred_at=at(72), audience="customers"
    )
    # The internal one is untouched; the customer text is frozen once out.
    assert incident.postmortem is not None and incident.postmortem.published_at is None
    with pytest.raises(RuleViolation) as frozen:
        incident.write_customer_postmortem("# Again", policy=standard, by="lee", now=at(73))
    assert frozen.value.rule == "postmortem.customers.published"


def _entry(kind: EntryKind, text: str, minutes: float, **data: object) -> TimelineEntry:
    return TimelineEntry(
        kind=kind, text=text, author="bob", occurred_at=at(minutes), recorded_at=at(99), data=data
    )


def test_the_draft_has_every_section_and_escapes_the_record(standard: Policy) -> None:
    incident = mitigated(standard, summary="Logins failed after a deploy.")
    incident.start_experiment(
        "IdP <b>down</b>", action="fail over", policy=standard, by="bob", now=at(20)
    )
    incident.conclude_experiment(
        1, status=ExperimentStatus.CONFIRMED, result="fixed", policy=standard, by="b", now=at(30)
    )
    incident.add_why("the cert expired", policy=standard, by="alice", now=at(70))
    incident.add_followup(
        "Alert on certs", kind=FollowUpKind.PREVENTION, policy=standard, by="a", now=at(70)
    )
    entries = [
        _entry(EntryKind.ALERT, "5xx on /login", -15),
        _entry(EntryKind.HYPOTHESIS, "[click](javascript:alert(1)) maybe the IdP", 10),
        _entry(EntryKind.MANUAL_CHANGE, "restarted idp-1", 40),
        _entry(EntryKind.MILESTONE, "Possibly identified: bad deploy", 25),
        _entry(EntryKind.SYSTEM, "Update to customers overdue", 50, overdue=True),
    ]
    body = draft_postmortem(incident, entries)
    headings = [line for line in body.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## Impact",
        "## Timeline",
        "## Hypotheses and experiments",
        "## Five whys",
        "## Contributing factors",
        "## What went well",
        "## What went badly",
        "## Manual changes",
        "## Follow-ups",
        "## Responders",
    ]
    # The impact began with the first alert, 15 minutes before detection.
    assert "- Start: 2026-11-23 09:15 UTC" in body
    assert "- Time to detect: 15 min" in body
    assert "- Duration of customer impact (start to mitigation): 1 h 15 min" in body
    assert "\\[click\\](javascript:alert(1)) maybe the IdP" in body
    assert "IdP \\<b\\>down\\</b\\>" in body
    assert "- 2026-11-23 10:20 UTC Update to customers overdue" in body.split("went badly")[1]
    assert "1. the cert expired" in body
    assert "- [ ] #1 (prevention) Alert on certs — no owner" in body


def test_the_customer_draft_keeps_names_and_notes_out(standard: Policy) -> None:
    incident = mitigated(standard, visibility=Visibility.PUBLIC)
    entries = [
        _entry(EntryKind.CUSTOMER_UPDATE, "We are looking into failed logins.", 10),
        _entry(EntryKind.ALERT, "5xx on /login from idp-1.internal", -5),
    ]
    body = draft_customer_postmortem(incident, entries, ["API"])
    assert "We are looking into failed logins." in body
    assert "- Affected: API" in body and "- Began: 2026-11-23 09:25 UTC" in body
    for internal in ("alice", "bob", "olga", "idp-1.internal"):
        assert internal not in body


def test_the_agenda_is_prefilled_from_the_incident(standard: Policy) -> None:
    incident = mitigated(standard, summary="Logins failed after a deploy.")
    incident.add_followup(
        "Alert on certs", kind=FollowUpKind.PREVENTION, policy=standard, by="a", now=at(70)
    )
    incident.start_experiment("IdP down", action="fail over", policy=standard, by="b", now=at(20))
    entries = [
        _entry(EntryKind.MILESTONE, "Possibly identified: bad deploy", 25),
        _entry(EntryKind.HYPOTHESIS, "the cert expired", 12),
    ]
    agenda = retrospective_agenda(incident, entries, standard)
    assert agenda.index("1. Summary") < agenda.index("2. Timeline milestones")
    assert "Logins failed after a deploy." in agenda
    assert "- 2026-11-23 09:55 UTC Possibly identified: bad deploy" in agenda
    assert "- #1 (prevention) Alert on certs — no owner" in agenda
    assert "- the cert expired" in agenda and "#1 IdP down → fail over: running" in agenda
    assert "What went well?" in agenda and "Five whys: 0 recorded" in agenda
