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


def xss_catalog(payloads: list[str]) -> dict[str, Any]:
    """A catalog whose every free-text field carries a payload: for payload i, person
    `xssp{i}` (name, phone, chat ids, an e-mail made of the payload without spaces),
    team `xsst{i}` (chat channel, e-mail list), schedule and escalation policy `xss{i}`
    (descriptions) and service `xsss{i}` (description, runbook link, status component,
    owned by the team, the person its SME, paged through the policy). Names are slugs,
    which the catalog enforces, so they carry none."""
    catalog: dict[str, list[Any]] = {
        key: [] for key in ("people", "teams", "schedules", "escalation_policies", "services")
    }
    for i, payload in enumerate(payloads):
        text = f"XSSK{i} {payload}"
        person, team, name = f"xssp{i}", f"xsst{i}", f"xss{i}"
        squeezed = "".join(c for c in payload if not c.isspace() and c != "@")
        catalog["people"].append(
            {
                "handle": person,
                "name": text[:200],
                "email": f"{squeezed[:300]}@example.test",
                "phone": text[:40],
                "slack_id": text[:64],
            }
        )
        catalog["teams"].append(
            {"name": team, "members": [person], "chat_channel": text[:255], "email": text[:320]}
        )
        layer = {"name": "weekly", "members": [person], "start": "2026-01-05T09:00"}
        catalog["schedules"].append({"name": name, "description": text, "layers": [layer]})
        catalog["escalation_policies"].append(
            {"name": name, "description": text, "levels": [{"targets": [f"schedule:{name}"]}]}
        )
        catalog["services"].append(
            {
                "name": f"xsss{i}",
                "team": team,
                "smes": [person],
                "schedule": name,
                "escalation_policy": name,
                "status_component": text[:100],
                "runbook_url": text,
                "description": text,
            }
        )
    return catalog
