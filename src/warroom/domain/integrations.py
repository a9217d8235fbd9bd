"""Integrations: where alerts come from, each with its own key, service and rate limit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class IntegrationKind(StrEnum):
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    GENERIC = "generic"
    PAGERDUTY = "pagerduty"


@dataclass(frozen=True)
class Integration:
    id: int
    name: str
    kind: IntegrationKind
    service: str | None = None
    # generic only: dotted paths into the JSON body for each alert field
    mapping: Mapping[str, object] = field(default_factory=dict)
    rate_limit_per_minute: int = 600
    created_at: datetime | None = None
    key_prefix: str = ""
    rotated_at: datetime | None = None
