"""The drill report: did the team keep the cadences, run the SME cycle, pass the gates,
and identify and mitigate within the policy's times? JSON, and Markdown from it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warroom.adapters.orm.background import outbox, timers
from warroom.adapters.orm.incidents import timeline_entries
from warroom.domain import metrics as m
from warroom.domain.background import DeliveryStatus
from warroom.domain.drills import DRILL_AUTHOR, INJECT_TIMER
from warroom.domain.enums import Audience, EntryKind, RoleName, Stage
from warroom.domain.errors import RuleViolation
from warroom.domain.incident import Incident
from warroom.domain.incident_deadlines import SYSTEM
from warroom.domain.policy import Policy
from warroom.service_layer.clock_views import retrospective_view
from warroom.service_layer.views import load_incident, process_status

_STOPS = {
    Audience.INTERNAL: ("mitigated_at", "resolved_at", "closed_at"),
    Audience.CUSTOMERS: ("mitigated_at", "resolved_at", "closed_at"),
    Audience.OBSERVERS: ("resolved_at", "closed_at"),
}


def drill_report(session: Session, ref: str, policy: Policy, now: datetime) -> dict[str, Any]:
    """Everything the drill report says, as data."""
    incident = load_incident(session, ref)
    if not incident.drill:
        raise RuleViolation("drills.not_a_drill", f"{incident.ref} is not a drill")
    conn = session.connection()
    t = timeline_entries.c
    entries = conn.execute(
        select(t.kind, t.text, t.author, t.occurred_at, t.data)
        .where(t.incident_id == incident.number)
        .order_by(t.occurred_at, t.id)
    ).all()
    start = next((e for e in entries if (e.data or {}).get("drill") == "start"), None)
    injected = [
        {
            "index": int(e.data["index"]),
            "event": e.data.get("event"),
            "at": e.occurred_at,
            "text": e.text,
        }
        for e in entries
        if (e.data or {}).get("index") is not None and e.author in {DRILL_AUTHOR, "alert:drill"}
    ]
    pending = conn.execute(
        select(func.count())
        .select_from(timers)
        .where(timers.c.incident_id == incident.number, timers.c.kind == INJECT_TIMER)
    ).scalar_one()
    withheld = conn.execute(
        select(outbox.c.destination, outbox.c.subject, outbox.c.last_error).where(
            outbox.c.incident_id == incident.number,
            outbox.c.status == DeliveryStatus.DEAD.value,
            outbox.c.last_error.like("drill:%"),
        )
    ).all()
    level = incident.level(policy)
    report: dict[str, Any] = {
        "ref": incident.ref,
        "scenario": (start.data or {}).get("scenario") if start else None,
        "title": incident.title,
        "severity": incident.severity,
        "stage": str(incident.stage),
        "started_at": incident.declared_at,
        "generated_at": now,
        "events": {"injected": injected, "pending": int(pending)},
        "unreachable": sorted(
            {str(e.data["person"]) for e in entries if (e.data or {}).get("drill") == "unreachable"}
        ),
        "withheld_messages": [
            {"destination": w.destination, "subject": w.subject, "reason": w.last_error}
            for w in withheld
        ],
        "times": _times(incident, level, now),
        "updates": _updates(incident, entries, level, now),
        "sme_cycle": _sme_cycle(incident, entries, level),
        "gates": _gates(incident, policy),
        "retrospective": retrospective_view(incident, policy),
    }
    report["checks"] = _checks(report)
    report["markdown"] = markdown(report)
    return report


def _seconds(span: Any) -> int | None:
    return span.seconds if span is not None and not span.is_working_days else None


def _times(incident: Incident, level: Any, now: datetime) -> dict[str, Any]:
    start = incident.declared_at
    return {
        "acknowledge_seconds": m.seconds_between(start, incident.acknowledged_at),
        "identify_seconds": m.seconds_between(start, incident.identified_at),
        "mitigate_seconds": m.seconds_between(start, incident.mitigated_at),
        "resolve_seconds": m.seconds_between(start, incident.resolved_at),
        "identify_within_seconds": _seconds(level.identify_within) if level else None,
        "escalate_after_seconds": _seconds(level.escalate_after) if level else None,
        "elapsed_seconds": m.seconds_between(start, now),
    }


def _updates(incident: Incident, entries: Any, level: Any, now: datetime) -> list[dict[str, Any]]:
    if level is None:
        return []
    grace = level.cadence_grace.as_timedelta() if level.cadence_grace else timedelta(0)
    out = []
    for audience, span in level.cadence.items():
        posted = [
            e.occurred_at
            for e in entries
            if e.kind in (EntryKind.STATUS_UPDATE, EntryKind.CUSTOMER_UPDATE)
            and (e.data or {}).get("audience") == audience.value
        ]
        stops = [getattr(incident, name) for name in _STOPS[audience]]
        stop = min((s for s in stops if s is not None), default=now)
        tally = m.update_adherence(
            start=incident.declared_at,
            stop=stop,
            cadence=span.as_timedelta(),
            grace=grace,
            updates=posted,
        )
        overdue_marks = sum(
            1
            for e in entries
            if e.author == SYSTEM
            and (e.data or {}).get("overdue")
            and (e.data or {}).get("clock") == f"update:{audience.value}"
        )
        out.append(
            {
                "audience": audience.value,
                "cadence": str(span),
                "posted": len(posted),
                "marked_overdue": overdue_marks,
                **tally.as_dict(),
            }
        )
    return out


def _sme_cycle(incident: Incident, entries: Any, level: Any) -> dict[str, Any]:
    cycles = [e for e in entries if e.author == SYSTEM and e.text.startswith("SME cycle")]
    brought = [str(e.data["sme"]) for e in cycles if (e.data or {}).get("sme")]
    within = level.identify_within if level else None
    return {
        "identify_within": str(within) if within else None,
        "cycles": len(cycles),
        "brought_in": brought,
        "ran_out": any(not (e.data or {}).get("sme") for e in cycles),
        "workers": [r.person for r in incident.roles if r.role is RoleName.WORKER],
    }


def _gates(incident: Incident, policy: Policy) -> dict[str, Any]:
    status = process_status(incident, policy)
    return {
        "passed": [
            {
                "stage": str(stage),
                "gates": [n for g in policy.gates_for(stage, incident.severity) for n in g.require],
            }
            for stage in Stage
            if _reached(incident, stage) and policy.gates_for(stage, incident.severity)
        ],
        "blocking": status["blocked"],
        "missing_roles": [str(r) for r in status["missing_roles"]],
        "role_conflicts": status["role_conflicts"],
    }


def _reached(incident: Incident, stage: Stage) -> bool:
    at = {
        Stage.IDENTIFIED: incident.identified_at,
        Stage.MITIGATED: incident.mitigated_at,
        Stage.RESOLVED: incident.resolved_at,
        Stage.CLOSED: incident.closed_at,
    }.get(stage)
    return at is not None


def _checks(r: dict[str, Any]) -> list[dict[str, Any]]:
    """Pass/fail lines; `passed` is None when the drill has not got that far."""
    out: list[dict[str, Any]] = []
    times = r["times"]
    for u in r["updates"]:
        out.append(
            {
                "check": f"{u['audience']} updates every {u['cadence']}",
                "passed": None if u["due"] == 0 else u["late"] == 0 and u["missed"] == 0,
                "detail": f"{u['on_time']} on time, {u['late']} late, {u['missed']} missed",
            }
        )
    within = times["identify_within_seconds"]
    took = times["identify_seconds"]
    if within is not None:
        sme = r["sme_cycle"]
        brought = ", ".join(sme["brought_in"]) or "nobody"
        out.append(
            {
                "check": f"identified within {sme['identify_within']} (else the SME cycle runs)",
                "passed": None if took is None else took <= within,
                "detail": (
                    "not identified yet" if took is None else f"identified after {_dur(took)}"
                )
                + f"; SME cycle brought in {brought}",
            }
        )
    after = times["escalate_after_seconds"]
    if after is not None:
        took = times["mitigate_seconds"]
        out.append(
            {
                "check": f"mitigated within {_dur(after)} (before automatic escalation)",
                "passed": None if took is None else took <= after,
                "detail": "not mitigated yet" if took is None else f"mitigated after {_dur(took)}",
            }
        )
    gates = r["gates"]
    out.append(
        {
            "check": "required roles filled, no role rule broken",
            "passed": not gates["missing_roles"] and not gates["role_conflicts"],
            "detail": "missing: " + (", ".join(gates["missing_roles"]) or "none"),
        }
    )
    for stage, failures in gates["blocking"].items():
        out.append(
            {
                "check": f"gates to {stage}",
                "passed": False,
                "detail": "; ".join(f"{f['gate']}: {f['reason']}" for f in failures),
            }
        )
    retro = r["retrospective"]
    if retro is not None:
        out.append(
            {
                "check": f"retrospective within {retro['within']}",
                "passed": False if retro["breached"] else (True if retro["held_at"] else None),
                "detail": f"due {retro['due_at'].isoformat()}"
                + (f", held {retro['held_at'].isoformat()}" if retro["held_at"] else ""),
            }
        )
    return out


def _dur(seconds: float) -> str:
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    minutes, s = divmod(rest, 60)
    return (f"{h}h" if h else "") + f"{minutes:02d}m" + (f"{s:02d}s" if s else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_MARK = {True: "PASS", False: "FAIL", None: "n/a"}


def markdown(r: dict[str, Any]) -> str:
    """The report as Markdown, for the retrospective of the drill."""
    lines = [
        f"# Drill report: {r['ref']} — {r['scenario'] or r['title']}",
        "",
        f"- Incident: {r['title']} ({r['severity']}, now {r['stage']})",
        f"- Started: {r['started_at'].isoformat()}",
        f"- Scripted events injected: {len(r['events']['injected'])}"
        + (f" ({r['events']['pending']} still to come)" if r["events"]["pending"] else ""),
    ]
    if r["unreachable"]:
        lines.append(
            f"- Unreachable: {', '.join(r['unreachable'])} "
            f"({len(r['withheld_messages'])} messages withheld)"
        )
    lines += ["", "## Checks", "", "| check | result | detail |", "|---|---|---|"]
    for c in r["checks"]:
        lines.append(f"| {_cell(c['check'])} | {_MARK[c['passed']]} | {_cell(c['detail'])} |")
    passed = r["gates"]["passed"]
    if passed:
        lines += ["", "## Gates passed", ""]
        lines += [f"- {g['stage']}: {', '.join(g['gates'])}" for g in passed]
    t = r["times"]
    lines += ["", "## Times from the start", ""]
    for label, key in (
        ("acknowledged", "acknowledge_seconds"),
        ("identified", "identify_seconds"),
        ("mitigated", "mitigate_seconds"),
        ("resolved", "resolve_seconds"),
    ):
        value = t[key]
        lines.append(f"- {label}: {'—' if value is None else _dur(value)}")
    lines += ["", "## Scripted events", ""]
    for e in r["events"]["injected"]:
        lines.append(f"- {e['at'].isoformat()} [{e['event']}] {e['text']}")
    return "\n".join(lines) + "\n"
