"""Draft a postmortem in Markdown from what the incident recorded.

Every fact (times, durations, experiments, whys, manual changes, follow-ups, missed
clocks) is filled in; the judgement sections are left as prompts for people to write.
Text from the record is Markdown-escaped so a note cannot change the document's shape;
the rendered HTML is sanitised again (`adapters/markdown.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from warroom.domain.enums import EntryKind, ExperimentStatus, FollowUpStatus
from warroom.domain.incident import Incident
from warroom.domain.timeline import TimelineEntry

# Entries that tell the story; routine notes stay in the full timeline.
KEY_KINDS = (
    EntryKind.MILESTONE,
    EntryKind.HYPOTHESIS,
    EntryKind.EXPERIMENT,
    EntryKind.RESULT,
    EntryKind.MANUAL_CHANGE,
    EntryKind.STAGE_CHANGE,
    EntryKind.SEVERITY_CHANGE,
    EntryKind.CUSTOMER_UPDATE,
)
# What the draft reads: the key entries, alerts (the impact's start) and the clocks' notes.
DRAFT_KINDS = (*KEY_KINDS, EntryKind.ALERT, EntryKind.SYSTEM)

# Characters that mean something anywhere in a line; the others only at its start.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>~|&])")
_MD_LEADING = re.compile(r"^(\d*)([#+=-]|[.)])")


def md(text: str) -> str:
    """Recorded text as literal Markdown: one line, special characters escaped."""
    line = _MD_INLINE.sub(r"\\\1", " ".join(text.split()))
    return _MD_LEADING.sub(r"\1\\\2", line)


def show_time(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "—"


def show_span(start: datetime | None, end: datetime | None) -> str:
    if not start or not end:
        return "—"
    minutes = int((end - start) / timedelta(minutes=1))
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def impact_start(incident: Incident, entries: Sequence[TimelineEntry]) -> datetime:
    """When impact began: the first alert if it came before the detection, else detection."""
    alerts = [e.occurred_at for e in entries if e.kind is EntryKind.ALERT]
    return min([incident.detected_at, *alerts])


def _impact(inc: Incident, entries: Sequence[TimelineEntry]) -> list[str]:
    start = impact_start(inc, entries)
    names = ", ".join(md(c.name) for c in inc.customers)
    customers = f"{inc.customers_affected}" + (f" ({names})" if names else "")
    if inc.whole_service:
        customers += "; the whole service"
    return [
        "## Impact",
        "",
        f"- Severity: {md(inc.severity)}",
        f"- Services: {', '.join(md(s) for s in inc.services) or '—'}",
        f"- Customers affected: {customers}",
        f"- Start: {show_time(start)}",
        f"- Detected: {show_time(inc.detected_at)}",
        f"- Declared: {show_time(inc.declared_at)}",
        f"- Identified: {show_time(inc.identified_at)}",
        f"- Mitigated: {show_time(inc.mitigated_at)}",
        f"- Resolved: {show_time(inc.resolved_at)}",
        f"- Time to detect: {show_span(start, inc.detected_at)}",
        f"- Duration of customer impact (start to mitigation): "
        f"{show_span(start, inc.mitigated_at)}",
        f"- Time to a durable fix (start to resolution): {show_span(start, inc.resolved_at)}",
        "",
    ]


def _timeline(entries: Sequence[TimelineEntry]) -> list[str]:
    key = [e for e in entries if e.kind in KEY_KINDS]
    lines = [
        "## Timeline",
        "",
        "Milestones and key entries (UTC).",
        "",
    ]
    lines += [f"- {show_time(e.occurred_at)} — {e.kind}: {md(e.text)}" for e in key] or ["- —"]
    return [*lines, ""]


def _hypotheses(inc: Incident, entries: Sequence[TimelineEntry]) -> list[str]:
    lines = ["## Hypotheses and experiments", ""]
    lines += [
        f"- {show_time(e.occurred_at)} hypothesis: {md(e.text)}"
        for e in entries
        if e.kind is EntryKind.HYPOTHESIS
    ]
    for x in inc.experiments:
        line = f"- Experiment #{x.number}: {md(x.hypothesis)} → {md(x.action)}: **{x.status}**"
        if x.status is not ExperimentStatus.RUNNING and x.result:
            line += f" — {md(x.result)}"
        lines.append(line)
    if len(lines) == 2:
        lines.append("- none recorded")
    return [*lines, ""]


def _went(inc: Incident, entries: Sequence[TimelineEntry]) -> list[str]:
    missed = [
        e
        for e in entries
        if e.kind is EntryKind.SYSTEM
        and (e.data.get("overdue") is True or e.data.get("breached") is True)
    ]
    escalated = [
        e for e in entries if e.kind is EntryKind.SEVERITY_CHANGE and e.author == "warroom"
    ]
    well = ["## What went well", ""]
    if inc.mitigated_at is not None:
        well.append(f"- Mitigated {show_span(inc.detected_at, inc.mitigated_at)} after detection.")
    if not missed:
        well.append("- No update cadence or deadline was missed.")
    well += ["- _…_", ""]
    badly = ["## What went badly", ""]
    badly += [f"- {show_time(e.occurred_at)} {md(e.text)}" for e in [*missed, *escalated]]
    badly += ["- _…_", ""]
    return well + badly


def draft_postmortem(incident: Incident, entries: Sequence[TimelineEntry]) -> str:
    """A first draft: facts filled in, judgement sections left for people to write."""
    inc = incident
    lines = [
        f"# Postmortem {inc.ref}: {md(inc.summary_line)}",
        "",
        "## Summary",
        "",
        md(inc.summary) if inc.summary else "_What happened, in two or three sentences._",
        "",
    ]
    lines += _impact(inc, entries)
    lines += _timeline(entries)
    lines += _hypotheses(inc, entries)
    lines += ["## Five whys", ""]
    lines += [f"{w.position}. {md(w.text)}" for w in inc.whys] or ["_Not yet asked._"]
    lines += ["", "## Contributing factors", "", "_What conditions made this possible?_", ""]
    lines += _went(inc, entries)
    manual = [e for e in entries if e.kind is EntryKind.MANUAL_CHANGE]
    lines += ["## Manual changes", ""]
    lines += [f"- {show_time(e.occurred_at)} {md(e.text)} ({md(e.author)})" for e in manual] or [
        "- none"
    ]
    lines += ["", "## Follow-ups", ""]
    lines += [
        f"- [{'x' if f.status is not FollowUpStatus.OPEN else ' '}] #{f.number} ({f.kind}) "
        f"{md(f.title)} — {md(f.owner) if f.owner else 'no owner'}"
        + (f", due {f.due.isoformat()}" if f.due else "")
        + (f" [{f.status}: {md(f.reason)}]" if f.status is FollowUpStatus.NOT_DOING else "")
        for f in inc.followups
    ] or ["- none"]
    roles = sorted({(str(a.role), a.person) for a in inc.roles})
    lines += ["", "## Responders", ""]
    lines += [f"- {md(person)} ({role})" for role, person in roles] or ["- —"]
    return "\n".join(lines) + "\n"


def draft_customer_postmortem(
    incident: Incident, updates: Sequence[TimelineEntry], components: Sequence[str]
) -> str:
    """The customer version: what happened and what changes, without internal names or notes.

    Only what customers were already told (their updates) and the impact's times go in;
    people edit the rest before publishing.
    """
    inc = incident
    start = min([inc.detected_at, *(e.occurred_at for e in updates if e.kind is EntryKind.ALERT)])
    lines = [
        f"# {md(inc.title)}: what happened",
        "",
        "## Summary",
        "",
        "_What customers experienced, in plain words._",
        "",
        "## Impact",
        "",
        f"- Affected: {', '.join(md(c) for c in components) or 'our service'}",
        f"- Began: {show_time(start)}",
        f"- Mitigated: {show_time(inc.mitigated_at)}",
        f"- Resolved: {show_time(inc.resolved_at)}",
        f"- Duration: {show_span(start, inc.mitigated_at)}",
        "",
        "## What we told you during the incident",
        "",
    ]
    told = [e for e in updates if e.kind is EntryKind.CUSTOMER_UPDATE]
    lines += [f"- {show_time(e.occurred_at)} {md(e.text)}" for e in told] or ["- —"]
    lines += [
        "",
        "## Why it happened",
        "",
        "_The cause, without internal names._",
        "",
        "## What we are doing to prevent it",
        "",
        f"_{len(inc.followups)} improvements are being tracked; describe the ones that matter "
        "to customers._",
        "",
    ]
    return "\n".join(lines) + "\n"
