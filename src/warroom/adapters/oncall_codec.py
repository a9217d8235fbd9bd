"""Schedules and escalation policies to and from plain dicts: the shape stored in JSON
columns and written in catalog YAML files (validated by `service_layer/catalog_schema.py`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from warroom.domain.durations import Span, parse_span
from warroom.domain.escalation import EscalationLevel, EscalationPolicy, Target, TargetKind
from warroom.domain.oncall import WEEKDAYS, Frequency, Layer, Restriction, Schedule


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def layer_to_dict(layer: Layer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": layer.name,
        "members": list(layer.members),
        "start": layer.start.isoformat(timespec="minutes"),
        "frequency": str(layer.frequency),
        "interval": layer.interval,
    }
    if layer.restrictions:
        out["restrictions"] = [
            {
                "start": _hhmm(r.start),
                "end": _hhmm(r.end),
                **({"days": list(r.days)} if tuple(r.days) != WEEKDAYS else {}),
            }
            for r in layer.restrictions
        ]
    if layer.until is not None:
        out["until"] = layer.until.isoformat(timespec="minutes")
    return out


def layer_from_dict(data: dict[str, Any]) -> Layer:
    return Layer(
        name=data["name"],
        members=tuple(data["members"]),
        start=datetime.fromisoformat(data["start"]),
        frequency=Frequency(data.get("frequency", "weekly")),
        interval=int(data.get("interval", 1)),
        restrictions=tuple(
            Restriction(
                start=time.fromisoformat(r["start"]),
                end=time.fromisoformat(r["end"]),
                days=tuple(r.get("days") or WEEKDAYS),
            )
            for r in data.get("restrictions") or ()
        ),
        until=datetime.fromisoformat(data["until"]) if data.get("until") else None,
    )


def schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    return {
        "name": schedule.name,
        "timezone": schedule.timezone,
        "description": schedule.description,
        "layers": [layer_to_dict(layer) for layer in schedule.layers],
    }


def schedule_from_dict(data: dict[str, Any]) -> Schedule:
    return Schedule(
        name=data["name"],
        timezone=data.get("timezone", "UTC"),
        description=data.get("description", ""),
        layers=tuple(layer_from_dict(layer) for layer in data.get("layers") or ()),
    )


def parse_target(text: str) -> Target:
    """'schedule:primary' → Target; a bare name is a person."""
    kind, _, name = text.partition(":")
    if not name:
        return Target(TargetKind.PERSON, kind)
    return Target(TargetKind(kind), name)


def policy_to_dict(policy: EscalationPolicy) -> dict[str, Any]:
    return {
        "name": policy.name,
        "description": policy.description,
        "repeats": policy.repeats,
        "levels": [
            {
                "targets": [str(t) for t in level.targets],
                "wait": str(Span(seconds=int(level.wait.total_seconds()))),
            }
            for level in policy.levels
        ],
    }


def policy_from_dict(data: dict[str, Any]) -> EscalationPolicy:
    return EscalationPolicy(
        name=data["name"],
        description=data.get("description", ""),
        repeats=int(data.get("repeats", 0)),
        levels=tuple(
            EscalationLevel(
                targets=tuple(parse_target(t) for t in level["targets"]),
                wait=timedelta(seconds=parse_span(str(level.get("wait", "15m"))).seconds),
            )
            for level in data.get("levels") or ()
        ),
    )
