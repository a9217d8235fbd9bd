"""JSON Schemas of Statuspage's public API v2 documents (summary, status, components,
incidents, scheduled maintenances), written from its public documentation: the field
names and the closed vocabularies that existing clients and widgets rely on."""

from __future__ import annotations

from typing import Any

TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}

PAGE = {
    "type": "object",
    "required": ["id", "name", "url", "time_zone", "updated_at"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "name": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "time_zone": {"type": "string"},
        "updated_at": TIME,
    },
}

STATUS = {
    "type": "object",
    "required": ["indicator", "description"],
    "properties": {
        "indicator": {"enum": ["none", "minor", "major", "critical", "maintenance"]},
        "description": {"type": "string"},
    },
}

COMPONENT = {
    "type": "object",
    "required": [
        "id",
        "name",
        "status",
        "created_at",
        "updated_at",
        "position",
        "description",
        "showcase",
        "start_date",
        "group_id",
        "page_id",
        "group",
        "only_show_if_degraded",
    ],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "status": {
            "enum": [
                "operational",
                "degraded_performance",
                "partial_outage",
                "major_outage",
                "under_maintenance",
            ]
        },
        "created_at": TIME,
        "updated_at": TIME,
        "position": {"type": "integer"},
        "description": {"type": ["string", "null"]},
        "showcase": {"type": "boolean"},
        "start_date": {"type": ["string", "null"], "format": "date"},
        "group_id": {"type": ["string", "null"]},
        "page_id": {"type": "string"},
        "group": {"type": "boolean"},
        "only_show_if_degraded": {"type": "boolean"},
        "components": {"type": "array", "items": {"type": "string"}},
    },
}

INCIDENT_UPDATE = {
    "type": "object",
    "required": [
        "id",
        "status",
        "body",
        "incident_id",
        "created_at",
        "updated_at",
        "display_at",
        "affected_components",
        "deliver_notifications",
        "custom_tweet",
        "tweet_id",
    ],
    "properties": {
        "id": {"type": "string"},
        "status": {
            "enum": [
                "investigating",
                "identified",
                "monitoring",
                "resolved",
                "postmortem",
                "scheduled",
                "in_progress",
                "verifying",
                "completed",
            ]
        },
        "body": {"type": "string"},
        "incident_id": {"type": "string"},
        "created_at": TIME,
        "updated_at": TIME,
        "display_at": TIME,
        "affected_components": {"type": ["array", "null"]},
        "deliver_notifications": {"type": "boolean"},
        "custom_tweet": {"type": ["string", "null"]},
        "tweet_id": {"type": ["string", "null"]},
    },
}

_INCIDENT_BASE: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "name",
        "status",
        "created_at",
        "updated_at",
        "monitoring_at",
        "resolved_at",
        "impact",
        "shortlink",
        "started_at",
        "page_id",
        "incident_updates",
        "components",
    ],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "created_at": TIME,
        "updated_at": TIME,
        "monitoring_at": TIME_OR_NULL,
        "resolved_at": TIME_OR_NULL,
        "shortlink": {"type": "string", "format": "uri"},
        "started_at": TIME,
        "page_id": {"type": "string"},
        "incident_updates": {"type": "array", "items": INCIDENT_UPDATE},
        "components": {"type": "array", "items": COMPONENT},
    },
    "additionalProperties": True,
}

INCIDENT = {
    **_INCIDENT_BASE,
    "properties": {
        **_INCIDENT_BASE["properties"],
        "status": {"enum": ["investigating", "identified", "monitoring", "resolved", "postmortem"]},
        "impact": {"enum": ["none", "minor", "major", "critical"]},
    },
}

MAINTENANCE = {
    **_INCIDENT_BASE,
    "required": [*_INCIDENT_BASE["required"], "scheduled_for", "scheduled_until"],
    "properties": {
        **_INCIDENT_BASE["properties"],
        "status": {"enum": ["scheduled", "in_progress", "verifying", "completed"]},
        "impact": {"enum": ["none", "minor", "major", "critical", "maintenance"]},
        "scheduled_for": TIME,
        "scheduled_until": TIME,
    },
}


def _doc(**properties: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["page", *properties],
        "properties": {"page": PAGE, **properties},
    }


DOCUMENTS: dict[str, dict[str, Any]] = {
    "summary.json": _doc(
        components={"type": "array", "items": COMPONENT},
        incidents={"type": "array", "items": INCIDENT},
        scheduled_maintenances={"type": "array", "items": MAINTENANCE},
        status=STATUS,
    ),
    "status.json": _doc(status=STATUS),
    "components.json": _doc(components={"type": "array", "items": COMPONENT}),
    "incidents.json": _doc(incidents={"type": "array", "items": INCIDENT}),
    "incidents/unresolved.json": _doc(incidents={"type": "array", "items": INCIDENT}),
    "scheduled-maintenances.json": _doc(
        scheduled_maintenances={"type": "array", "items": MAINTENANCE}
    ),
    "scheduled-maintenances/upcoming.json": _doc(
        scheduled_maintenances={"type": "array", "items": MAINTENANCE}
    ),
    "scheduled-maintenances/active.json": _doc(
        scheduled_maintenances={"type": "array", "items": MAINTENANCE}
    ),
}
