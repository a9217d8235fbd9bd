"""The retrospective's agenda, prefilled from the incident (plain text, for the invitation)."""

from __future__ import annotations

from collections.abc import Sequence

from warroom.domain.enums import EntryKind, FollowUpStatus, Stage
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy
from warroom.domain.postmortem_draft import show_span, show_time
from warroom.domain.timeline import TimelineEntry

MILESTONE_KINDS = (EntryKind.MILESTONE, EntryKind.STAGE_CHANGE, EntryKind.SEVERITY_CHANGE)
# Asked in every retrospective, before the policy's own questions of the late stages.
STANDING_QUESTIONS = (
    "What went well?",
    "What went badly, and why?",
    "What would have found it sooner, or fixed it faster?",
    "What must change so that it cannot happen again?",
)


def retrospective_agenda(
    incident: Incident, entries: Sequence[TimelineEntry], policy: Policy
) -> str:
    """Summary, milestones, open follow-ups, hypotheses and questions, in that order."""
    inc = incident
    lines = [
        f"Retrospective of {inc.ref}: {inc.summary_line}",
        "",
        "1. Summary",
        f"   {inc.summary or inc.title}",
        f"   Severity {inc.severity}; detected {show_time(inc.detected_at)}, "
        f"mitigated {show_time(inc.mitigated_at)} "
        f"({show_span(inc.detected_at, inc.mitigated_at)}); "
        f"resolved {show_time(inc.resolved_at)}.",
        "",
        "2. Timeline milestones",
    ]
    milestones = [e for e in entries if e.kind in MILESTONE_KINDS]
    lines += [f"   - {show_time(e.occurred_at)} {e.text}" for e in milestones] or ["   - none"]
    lines += ["", "3. Open follow-ups"]
    open_ = [f for f in inc.followups if f.status is FollowUpStatus.OPEN]
    lines += [
        f"   - #{f.number} ({f.kind}) {f.title} — {f.owner or 'no owner'}"
        + (f", due {f.due.isoformat()}" if f.due else "")
        for f in open_
    ] or ["   - none"]
    lines += ["", "4. Hypotheses and experiments"]
    hypotheses = [f"   - {e.text}" for e in entries if e.kind is EntryKind.HYPOTHESIS] + [
        f"   - #{x.number} {x.hypothesis} → {x.action}: {x.status}"
        + (f" ({x.result})" if x.result else "")
        for x in inc.experiments
    ]
    lines += hypotheses or ["   - none recorded"]
    lines += ["", "5. Questions"]
    questions = list(STANDING_QUESTIONS)
    for stage in (Stage.MITIGATED, Stage.RESOLVED, Stage.CLOSED):
        questions += [q.text for q in policy.questions_for(stage) if q.text not in questions]
    if len(inc.whys) < 5:
        questions.append(f"Five whys: {len(inc.whys)} recorded so far — ask the rest.")
    lines += [f"   - {q}" for q in questions]
    return "\n".join(lines) + "\n"
