"""A small catalog for on-call and alert tests: three people in two zones, a team,
a weekly rotation, a three-level escalation policy and a service using them."""

from __future__ import annotations

from typing import Any

CATALOG: dict[str, Any] = {
    "people": [
        {
            "handle": "alice",
            "name": "Alice",
            "email": "alice@example.com",
            "timezone": "Europe/Paris",
        },
        {
            "handle": "bob",
            "name": "Bob",
            "email": "bob@example.com",
            "timezone": "America/New_York",
        },
        {"handle": "carol", "name": "Carol", "email": "carol@example.com"},
        {"handle": "dave", "name": "Dave", "email": "dave@example.com"},
    ],
    "teams": [
        {"name": "payments", "members": ["alice", "bob", "carol"], "chat_channel": "#payments"}
    ],
    "schedules": [
        {
            "name": "payments-primary",
            "timezone": "Europe/Paris",
            "layers": [
                {
                    "name": "weekly",
                    "members": ["alice", "bob"],
                    "start": "2026-11-02T09:00",
                    "frequency": "weekly",
                }
            ],
        },
        {
            "name": "incident-commanders",
            "timezone": "UTC",
            "layers": [
                {
                    "name": "daily",
                    "members": ["dave"],
                    "start": "2026-01-01T00:00",
                    "frequency": "daily",
                }
            ],
        },
    ],
    "escalation_policies": [
        {
            "name": "payments-escalation",
            "repeats": 0,
            "levels": [
                {"targets": ["schedule:payments-primary"], "wait": "10m"},
                {"targets": ["person:carol"], "wait": "10m"},
                {"targets": ["team:payments"], "wait": "15m"},
            ],
        }
    ],
    "services": [
        {
            "name": "payments-api",
            "team": "payments",
            "smes": ["carol", "bob"],
            "escalation_policy": "payments-escalation",
            "schedule": "payments-primary",
            "runbook_url": "https://runbooks.example.com/payments",
        }
    ],
}
