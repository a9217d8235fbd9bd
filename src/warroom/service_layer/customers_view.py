"""The affected-customers list of an incident as JSON-able data (responders only)."""

from __future__ import annotations

from typing import Any

from warroom.domain.customers import AffectedCustomer
from warroom.domain.incident import Incident
from warroom.domain.policy import Policy


def customer_view(customer: AffectedCustomer) -> dict[str, Any]:
    return {
        "number": customer.number,
        "name": customer.name,
        "contact": customer.contact,
        "tier": customer.tier,
        "reported_via": str(customer.reported_via) if customer.reported_via else None,
        "reported": customer.reported,
        "added_at": customer.added_at,
        "added_by": customer.added_by,
        "verification": str(customer.verification),
        "verified_at": customer.verified_at,
        "verified_by": customer.verified_by,
        "verification_note": customer.verification_note,
        "awaiting_confirmation": customer.awaiting_confirmation,
        "contacts": [
            {
                "at": c.at,
                "by": c.by,
                "method": str(c.method),
                "outcome": str(c.outcome),
                "note": c.note,
                "answers": list(c.answers),
                "recorded_at": c.recorded_at,
            }
            for c in customer.contacts
        ],
    }


def customers_view(incident: Incident, policy: Policy) -> dict[str, Any]:
    """Every affected customer with its contact log, and where the verification gate stands."""
    data = [customer_view(c) for c in incident.customers]
    waiting = [c.number for c in incident.customers_awaiting_confirmation()]
    return {
        "ref": incident.ref,
        "data": data,
        "count": len(data),
        "verification": {
            "awaiting": waiting,
            "satisfied": not waiting,
            "reported": sum(1 for c in incident.customers if c.reported),
        },
        # The question bank, for the liaison to ask from (document 004).
        "questions": {
            str(stage): [{"category": q.category, "text": q.text} for q in qs]
            for stage, qs in policy.questions.items()
        },
    }
