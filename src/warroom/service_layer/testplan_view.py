"""The test plan, fixes, automated tests and durability audit of an incident as JSON-able data."""

from __future__ import annotations

from typing import Any

from warroom.domain.incident import Incident
from warroom.domain.testplan import Environment


def plan_view(incident: Incident) -> dict[str, Any]:
    """Steps with their result per environment, who must sign and who did."""
    return {
        "ref": incident.ref,
        "signed": incident.test_plan_signed(),
        "steps": [
            {
                "number": s.number,
                "title": s.title,
                "customer_data": s.customer_data,
                "added_by": s.added_by,
                "added_at": s.added_at,
                "results": {
                    str(env): {
                        "status": str(s.status(env)),
                        "note": s.note(env),
                        "by": getattr(s, f"{env}_by"),
                        "at": getattr(s, f"{env}_at"),
                    }
                    for env in Environment
                },
            }
            for s in incident.test_steps
        ],
        "unfinished": incident.unfinished_steps(),
        "required_signers": [
            {"person": s.person, "added_by": s.added_by, "added_at": s.added_at}
            for s in incident.test_signers
        ],
        "signoffs": [
            {"person": s.person, "signed_at": s.signed_at} for s in incident.test_signoffs
        ],
        "missing_signoffs": incident.missing_signoffs(),
        "automated_tests": [
            {
                "number": t.number,
                "url": t.url,
                "description": t.description,
                "recorded_by": t.recorded_by,
                "recorded_at": t.recorded_at,
            }
            for t in incident.automated_tests
        ],
        "fixes": [
            {
                "number": f.number,
                "text": f.text,
                "tested": f.tested,
                "recorded_by": f.recorded_by,
                "recorded_at": f.recorded_at,
                "dropped_from": f.dropped_from,
                "dropped_to": f.dropped_to,
                "covered_at": f.covered_at,
                "awaiting_tests": f.awaiting_tests,
            }
            for f in incident.fixes
        ],
        "awaiting_tests": bool(incident.awaiting_tests()),
    }


def durability_view(incident: Incident) -> dict[str, Any]:
    """Every change flagged non-durable and what became of it."""
    items = [
        {
            "number": i.number,
            "category": str(i.category),
            "text": i.text,
            "status": str(i.status),
            "entry_id": i.entry_id,
            "flagged_by": i.flagged_by,
            "flagged_at": i.flagged_at,
            "followup": i.followup,
            "waiver": i.waiver,
            "waived_by": i.waived_by,
            "waived_at": i.waived_at,
        }
        for i in incident.non_durable
    ]
    return {"ref": incident.ref, "data": items, "count": len(items)}
