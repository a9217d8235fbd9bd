"""Alert payloads in, normalised `AlertEvent`s out: Alertmanager (webhook version 4),
Grafana alerting, PagerDuty Events API v2 and generic JSON with a field mapping.

Each parser raises `PayloadError` listing every problem as `path: message`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from warroom.domain.alerts import AlertEvent, EventAction

MAX_FINGERPRINT = 255
# Per-field bounds on what a sender may attach to one alert (the whole request body is
# bounded separately by the body-size middleware): keys per map, key length, value length.
MAX_KEYS = 100
MAX_KEY_LENGTH = 255
MAX_LABEL_VALUE = 2000  # like a URL
MAX_TEXT_VALUE = 10_000  # like the API's free text (annotations, custom details)
MAX_LINKS = 20


class PayloadError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def _validate(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PayloadError([f"{_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]) from None


def bound_map(value: Any, value_limit: int) -> Any:
    """Check a sender's key/value map: at most MAX_KEYS keys of at most MAX_KEY_LENGTH
    characters, each value (JSON-encoded if not a string) at most `value_limit` characters."""
    if not isinstance(value, Mapping):
        return value
    if len(value) > MAX_KEYS:
        raise ValueError(f"at most {MAX_KEYS} keys ({len(value)} given)")
    for key, item in value.items():
        if len(str(key)) > MAX_KEY_LENGTH:
            raise ValueError(
                f"a key is longer than {MAX_KEY_LENGTH} characters ({str(key)[:40]!r}...)"
            )
        text = item if isinstance(item, str) else json.dumps(item, default=str)
        if len(text) > value_limit:
            raise ValueError(f"the value of {str(key)!r} is longer than {value_limit} characters")
    return value


def stable_fingerprint(*parts: object) -> str:
    """A fingerprint from content, for senders that give none (labels sorted)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return digest[:16]


def _when(value: str | None) -> datetime | None:
    """Alertmanager's zero time ('0001-01-01T00:00:00Z') means none."""
    if not value or value.startswith("0001-"):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- Alertmanager and Grafana ------------------------------------------------------------------


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Alert(_Open):
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    startsAt: str | None = None  # noqa: N815 - the sender's field names
    endsAt: str | None = None  # noqa: N815
    generatorURL: str | None = None  # noqa: N815
    fingerprint: str | None = Field(None, max_length=MAX_FINGERPRINT)

    @field_validator("labels")
    @classmethod
    def _labels_bounded(cls, value: dict[str, str]) -> dict[str, str]:
        bounded: dict[str, str] = bound_map(value, MAX_LABEL_VALUE)
        return bounded

    @field_validator("annotations")
    @classmethod
    def _annotations_bounded(cls, value: dict[str, str]) -> dict[str, str]:
        bounded: dict[str, str] = bound_map(value, MAX_TEXT_VALUE)
        return bounded


class _Webhook(_Open):
    alerts: list[_Alert] = Field(min_length=1, max_length=1000)
    groupKey: str | None = None  # noqa: N815
    externalURL: str | None = None  # noqa: N815


def parse_alertmanager(data: Any) -> list[AlertEvent]:
    """Alertmanager (and Grafana, which sends the same shape with extra fields)."""
    body: _Webhook = _validate(_Webhook, data)
    events = []
    for alert in body.alerts:
        extra = alert.model_extra or {}
        title = (
            alert.annotations.get("summary")
            or alert.annotations.get("title")
            or alert.labels.get("alertname")
            or str(extra.get("title") or "alert")
        )
        url = alert.generatorURL or extra.get("dashboardURL") or extra.get("panelURL")
        events.append(
            AlertEvent(
                fingerprint=alert.fingerprint or stable_fingerprint(sorted(alert.labels.items())),
                action=EventAction.RESOLVE if alert.status == "resolved" else EventAction.TRIGGER,
                title=title,
                labels=alert.labels,
                annotations=alert.annotations,
                severity=alert.labels.get("severity"),
                source=alert.labels.get("instance") or alert.labels.get("job"),
                url=str(url) if url else None,
                started_at=_when(alert.startsAt),
            )
        )
    return events


parse_grafana = parse_alertmanager


# -- PagerDuty Events API v2 ---------------------------------------------------------------------


class _PdPayload(_Open):
    summary: str = Field(min_length=1, max_length=1024)
    source: str = Field(min_length=1, max_length=1024)
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: str | None = None
    component: str | None = None
    group: str | None = None
    class_: str | None = Field(None, alias="class")
    custom_details: Any = None

    @field_validator("custom_details")
    @classmethod
    def _details_bounded(cls, value: Any) -> Any:
        if value is None or isinstance(value, Mapping):
            return bound_map(value, MAX_TEXT_VALUE)
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if len(text) > MAX_TEXT_VALUE:
            raise ValueError(f"longer than {MAX_TEXT_VALUE} characters")
        return value


class _PdEvent(_Open):
    routing_key: str = Field(min_length=1)
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: str | None = Field(None, max_length=MAX_FINGERPRINT)
    payload: _PdPayload | None = None
    client: str | None = None
    client_url: str | None = None
    links: list[dict[str, Any]] = Field([], max_length=MAX_LINKS)
    images: list[dict[str, Any]] = []

    @field_validator("links")
    @classmethod
    def _links_bounded(cls, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for i, link in enumerate(value):
            try:
                bound_map(link, MAX_LABEL_VALUE)
            except ValueError as exc:
                raise ValueError(f"link {i}: {exc}") from None
        return value


def parse_pagerduty(data: Any) -> tuple[str, AlertEvent]:
    """(routing key, event); a trigger without a dedup_key gets a new unique one."""
    if isinstance(data, dict) and data.get("event_action") in ("acknowledge", "resolve"):
        # Only trigger events carry a payload; ignore one sent with the others.
        data = {k: v for k, v in data.items() if k != "payload"}
    event: _PdEvent = _validate(_PdEvent, data)
    action = EventAction(event.event_action)
    if action is EventAction.TRIGGER and event.payload is None:
        raise PayloadError(["payload: a trigger event needs a payload"])
    if action is not EventAction.TRIGGER and not event.dedup_key:
        raise PayloadError([f"dedup_key: an {action} event needs the dedup_key of its trigger"])
    payload = event.payload
    labels: dict[str, str] = {}
    if payload is not None:
        labels["severity"] = payload.severity
        for name in ("component", "group"):
            value = getattr(payload, name)
            if value:
                labels[name] = value
        if payload.class_:
            labels["class"] = payload.class_
    details = payload.custom_details if payload is not None else None
    url = next((link.get("href") for link in event.links if link.get("href")), event.client_url)
    return event.routing_key, AlertEvent(
        fingerprint=event.dedup_key or uuid.uuid4().hex,
        action=action,
        title=payload.summary if payload else "",
        labels=labels,
        severity=payload.severity if payload else None,
        source=payload.source if payload else None,
        url=str(url) if url else None,
        started_at=_when(payload.timestamp) if payload else None,
        details={"custom_details": details} if details is not None else {},
    )


# -- generic JSON ----------------------------------------------------------------------------------

GENERIC_DEFAULTS: dict[str, Any] = {
    "alerts": None,  # path to a list of alerts; None: the body is one alert (or a list)
    "fingerprint": "fingerprint",
    "title": "title",
    "status": "status",
    "severity": "severity",
    "labels": "labels",
    "annotations": "annotations",
    "source": "source",
    "url": "url",
    "started_at": "started_at",
    "resolved_values": ["resolved", "ok", "closed", "recovered"],
    "acknowledged_values": ["acknowledged", "ack"],
}


def dig(data: Any, path: str | None) -> Any:
    """The value at a dotted path ('alert.labels.host', 'items.0.id'); None if absent."""
    if not path:
        return None
    value = data
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _strings(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _bounded_strings(value: Any, limit: int, where: str, errors: list[str]) -> dict[str, str]:
    """`_strings` of a sender's map within the same bounds as the other formats' maps;
    a map out of bounds adds `where: why` to `errors` (and gives nothing)."""
    try:
        bound_map(value, limit)
    except ValueError as exc:
        errors.append(f"{where}: {exc}")
        return {}
    return _strings(value)


def parse_generic(data: Any, mapping: Mapping[str, Any]) -> list[AlertEvent]:
    """Alerts from any JSON, by the integration's mapping of field names to dotted paths."""
    paths = {**GENERIC_DEFAULTS, **mapping}
    items = dig(data, paths["alerts"]) if paths["alerts"] else data
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list) or not items:
        where = paths["alerts"] or "body"
        raise PayloadError([f"{where}: expected an alert object or a non-empty list of them"])
    resolved = {str(v).lower() for v in paths["resolved_values"]}
    acknowledged = {str(v).lower() for v in paths["acknowledged_values"]}
    events = []
    errors = []
    prefix = paths["alerts"] or ""
    for i, item in enumerate(items[:1000]):
        title = dig(item, paths["title"])
        if title is None or str(title).strip() == "":
            errors.append(f"{prefix}[{i}].{paths['title']}: a title is required (see the mapping)")
            continue
        found = len(errors)
        labels = _bounded_strings(
            dig(item, paths["labels"]), MAX_LABEL_VALUE, f"{prefix}[{i}].{paths['labels']}", errors
        )
        annotations = _bounded_strings(
            dig(item, paths["annotations"]),
            MAX_TEXT_VALUE,
            f"{prefix}[{i}].{paths['annotations']}",
            errors,
        )
        # The single values the mapping points at are bounded as label values.
        for name in ("title", "severity", "source", "url"):
            value = dig(item, paths[name])
            if value is not None and len(str(value)) > MAX_LABEL_VALUE:
                errors.append(
                    f"{prefix}[{i}].{paths[name]}: longer than {MAX_LABEL_VALUE} characters"
                )
        if len(errors) > found:
            continue
        status = str(dig(item, paths["status"]) or "firing").lower()
        action = (
            EventAction.RESOLVE
            if status in resolved
            else EventAction.ACKNOWLEDGE
            if status in acknowledged
            else EventAction.TRIGGER
        )
        fingerprint = dig(item, paths["fingerprint"])
        severity = dig(item, paths["severity"])
        if severity is not None:
            labels.setdefault("severity", str(severity))
        source, url, started = (dig(item, paths[k]) for k in ("source", "url", "started_at"))
        events.append(
            AlertEvent(
                fingerprint=str(fingerprint)[:MAX_FINGERPRINT]
                if fingerprint is not None
                else stable_fingerprint(str(title), sorted(labels.items())),
                action=action,
                title=str(title),
                labels=labels,
                annotations=annotations,
                severity=str(severity) if severity is not None else None,
                source=str(source) if source is not None else None,
                url=str(url) if url is not None else None,
                started_at=_when(str(started)) if started is not None else None,
            )
        )
    if errors:
        raise PayloadError(errors)
    return events
