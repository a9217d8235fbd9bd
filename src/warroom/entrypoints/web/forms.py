"""Reading console forms into command arguments; bad values name their field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, TypeVar

from starlette.datastructures import FormData

from warroom.domain.errors import InvalidInput

E = TypeVar("E")


def text(form: FormData, name: str, *, required: bool = False, limit: int = 10_000) -> str:
    value = form.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if required and not value:
        raise InvalidInput(name, "must not be empty")
    if len(value) > limit:
        raise InvalidInput(name, f"is {len(value)} characters; the limit is {limit}")
    return value


def optional(form: FormData, name: str, *, limit: int = 10_000) -> str | None:
    return text(form, name, limit=limit) or None


def integer(form: FormData, name: str, *, default: int = 0, lo: int = 0, hi: int = 10**7) -> int:
    raw = text(form, name, limit=20)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(name, f"{raw!r} is not a whole number") from None
    if not lo <= value <= hi:
        raise InvalidInput(name, f"must be between {lo} and {hi}")
    return value


def checkbox(form: FormData, name: str) -> bool:
    return text(form, name, limit=10).lower() in {"1", "on", "true", "yes"}


def choice(form: FormData, name: str, enum: Any, *, default: Any = None) -> Any:
    raw = text(form, name, limit=100)
    if not raw and default is not None:
        return default
    try:
        return enum(raw)
    except ValueError:
        allowed = ", ".join(str(e) for e in enum)
        raise InvalidInput(name, f"{raw!r} is not one of {allowed}") from None


def moment(form: FormData, name: str) -> datetime | None:
    """A `datetime-local` value (read as UTC, as the console shows times) or ISO 8601."""
    raw = text(form, name, limit=40)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(name, f"{raw!r} is not a date and time like 2026-11-23T09:34") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def day(form: FormData, name: str) -> date | None:
    raw = text(form, name, limit=20)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(name, f"{raw!r} is not a date like 2026-12-01") from None


def names(form: FormData, name: str) -> tuple[str, ...]:
    """A comma-separated list ('auth, payments')."""
    return tuple(p.strip() for p in text(form, name, limit=5000).split(",") if p.strip())
