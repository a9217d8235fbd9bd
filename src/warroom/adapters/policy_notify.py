"""The policy file's notification sections: [declaration], [notifications], [templates]."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warroom.adapters.templating import syntax_error
from warroom.domain.notify_policy import (
    ROOM_CHANNELS,
    DeclarationPolicy,
    Destination,
    NotificationPolicy,
    Step,
)

CHANNELS = ("email", "matrix", "slack", "apprise", "sms", "webhook", "log")
URL_FIELDS = {"channel", "ref", "number", "severity", "title"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _destination(value: str) -> str:
    channel, sep, target = value.partition(":")
    if not sep or not target.strip():
        raise ValueError(f"{value!r} must look like 'channel:target', e.g. 'slack:#new-incidents'")
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; known: {', '.join(CHANNELS)}")
    return value


class DeclarationModel(_Model):
    steps: list[Step] = list(Step)
    rooms: list[str] = list(ROOM_CHANNELS)
    page_severities: list[str] | None = None
    announce: list[str] = []
    video_bridge_url: str = Field("", max_length=500)
    ticket_url: str = Field("", max_length=500)

    @field_validator("rooms")
    @classmethod
    def _rooms(cls, value: list[str]) -> list[str]:
        for room in value:
            if room not in ROOM_CHANNELS:
                raise ValueError(f"unknown room channel {room!r}; known: matrix, slack")
        return value

    @field_validator("announce")
    @classmethod
    def _announce(cls, value: list[str]) -> list[str]:
        return [_destination(v) for v in value]

    @field_validator("video_bridge_url", "ticket_url")
    @classmethod
    def _url_template(cls, value: str) -> str:
        if value:
            try:
                value.format(**dict.fromkeys(URL_FIELDS, "x"))
            except (KeyError, IndexError, ValueError) as exc:
                fields = ", ".join("{" + f + "}" for f in sorted(URL_FIELDS))
                raise ValueError(f"{exc!s} is not a known field; use {fields}") from None
            if not value.startswith(("https://", "http://")):
                raise ValueError("must be an http(s) URL template")
        return value


class NotificationsModel(_Model):
    internal: list[str] = []
    customers: list[str] = []
    digest_every: int = Field(30, ge=1, le=1440, description="minutes")

    @field_validator("internal", "customers")
    @classmethod
    def _destinations(cls, value: list[str]) -> list[str]:
        return [_destination(v) for v in value]


def check_notify(
    declaration: DeclarationModel, templates: dict[str, str], severities: set[str]
) -> list[str]:
    """Cross-key problems: unknown severities, templates that do not parse."""
    problems = [
        f"declaration.page_severities: unknown severity {name!r}"
        for name in declaration.page_severities or []
        if name not in severities
    ]
    for name, source in templates.items():
        error = syntax_error(source)
        if error:
            problems.append(f"templates.{name}: {error}")
    return problems


def declaration_to_domain(m: DeclarationModel) -> DeclarationPolicy:
    return DeclarationPolicy(
        steps=tuple(m.steps),
        rooms=tuple(m.rooms),
        page_severities=frozenset(m.page_severities) if m.page_severities is not None else None,
        announce=tuple(Destination.parse(a) for a in m.announce),
        video_bridge_url=m.video_bridge_url,
        ticket_url=m.ticket_url,
    )


def notifications_to_domain(m: NotificationsModel) -> NotificationPolicy:
    return NotificationPolicy(
        internal=tuple(Destination.parse(d) for d in m.internal),
        customers=tuple(Destination.parse(d) for d in m.customers),
        digest_every_minutes=m.digest_every,
    )
