"""Rules for what the status page accepts: component, maintenance and subscriber input."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from warroom.domain.errors import InvalidInput
from warroom.domain.status_page import ComponentStatus, parse_component_status
from warroom.domain.textcheck import check_text

# Deliberately loose: the confirmation mail is the real test of an address.
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[^@\s<>,;\"]+\.[^@\s<>,;\"]{2,}$")


def clean_email(value: str) -> str:
    email = check_text("email", value, 320, required=True).lower()
    if not _EMAIL.match(email):
        raise InvalidInput("email", f"{value!r} is not an email address")
    return email


def clean_component_name(value: str, field: str = "name") -> str:
    return check_text(field, value, 100, required=True)


def clean_group(value: str | None) -> str | None:
    if value is None:
        return None
    return check_text("group", value, 100) or None


def clean_description(value: str) -> str:
    return check_text("description", value, 2000)


def clean_position(value: int) -> int:
    if not 0 <= value <= 100_000:
        raise InvalidInput("position", "must be between 0 and 100000")
    return value


def clean_status(value: str) -> ComponentStatus:
    return parse_component_status(value)


def clean_components(names: Iterable[str], known: Iterable[str]) -> list[str]:
    """Component names, each known to the page, without repeats."""
    known_set = set(known)
    out: list[str] = []
    for name in names:
        cleaned = clean_component_name(name, "components")
        if cleaned not in known_set:
            listed = ", ".join(sorted(known_set)) or "none yet"
            raise InvalidInput("components", f"unknown component {cleaned!r}; known: {listed}")
        if cleaned not in out:
            out.append(cleaned)
    return out


def clean_window(start: datetime, end: datetime) -> None:
    for field, value in (("scheduled_for", start), ("scheduled_until", end)):
        if value.tzinfo is None:
            raise InvalidInput(field, "needs a time zone, e.g. 2026-11-23T09:34:00Z")
    if end <= start:
        raise InvalidInput("scheduled_until", "must be after scheduled_for")
