"""Draft a postmortem in Markdown from what the incident recorded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from warroom.domain.enums import EntryKind, FollowUpStatus
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


def _t(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at else "—"


def _span(start: datetime | None, end: datetime | None) -> str:
    if not start or not end:
        return "—"
    minutes = int((end - start) / timedelta(minutes=1))
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def draft_postmortem(incident: Incident, entries: Sequence[TimelineEntry]) -> str:
    """A first draft: facts filled in, judgement sections left for people to write."""
    inc = incident
    lines = [
        f"# Postmortem {inc.ref}: {inc.summary_line}",
        "",
        "## Summary",
        "",
        inc.summary or "_What happened, in two or three sentences._",
        "",
        "## Impact",
        "",
        f"- Severity: {inc.severity}",
        f"- Services: {', '.join(inc.services) or '—'}",
        f"- Customers affected: {inc.customers_affected}",
        f"- Detected: {_t(inc.detected_at)}",
        f"- Declared: {_t(inc.declared_at)}",
        f"- Identified: {_t(inc.identified_at)}",
        f"- Mitigated: {_t(inc.mitigated_at)}"
        f" (impact lasted {_span(inc.detected_at, inc.mitigated_at)})",
        f"- Resolved: {_t(inc.resolved_at)}"
        f" ({_span(inc.detected_at, inc.resolved_at)} to a durable fix)",
        "",
        "## Timeline",
        "",
    ]
    lines += [f"- {_t(e.occurred_at)} — {e.kind}: {e.text}" for e in entries] or ["- —"]
    lines += ["", "## Hypotheses and experiments", ""]
    lines += [
        f"- #{e.number} {e.hypothesis} → {e.action}: **{e.status}**"
        + (f" — {e.result}" if e.result else "")
        for e in inc.experiments
    ] or ["- none recorded"]
    lines += ["", "## Five whys", ""]
    lines += [f"{w.position}. {w.text}" for w in inc.whys] or ["_Not yet asked._"]
    manual = [e for e in entries if e.kind is EntryKind.MANUAL_CHANGE]
    lines += ["", "## Manual changes", ""]
    lines += [f"- {_t(e.occurred_at)} {e.text} ({e.author})" for e in manual] or ["- none"]
    lines += [
        "",
        "## Contributing factors",
        "",
        "_What conditions made this possible?_",
        "",
        "## What went well",
        "",
        "_…_",
        "",
        "## What went badly",
        "",
        "_…_",
        "",
        "## Follow-ups",
        "",
    ]
    lines += [
        f"- [{'x' if f.status is not FollowUpStatus.OPEN else ' '}] #{f.number} ({f.kind}) "
        f"{f.title} — {f.owner or 'no owner'}"
        + (f", due {f.due.isoformat()}" if f.due else "")
        + (f" [{f.status}: {f.reason}]" if f.status is FollowUpStatus.NOT_DOING else "")
        for f in inc.followups
    ] or ["- none"]
    roles = sorted({(str(a.role), a.person) for a in inc.roles})
    lines += ["", "## Responders", ""]
    lines += [f"- {person} ({role})" for role, person in roles] or ["- —"]
    return "\n".join(lines) + "\n"
