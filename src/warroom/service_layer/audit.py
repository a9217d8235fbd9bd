"""Who, from where: the origin of the commands run in this context, for the audit log.

Entry points describe the request once (`bind` at the edge: channel, address, user agent)
and name the caller when they know it (`identify`); the message bus reads it when it
writes a command's audit row. A context variable carries it, so no handler or route
passes it along, and a thread or task that binds nothing is recorded as `internal`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from warroom.adapters.redaction import REDACTED, scrub_text, sensitive_name
from warroom.domain.commands import Command

MAX_TEXT = 4000
# The CLI's User-Agent: its requests are audited as channel `cli` rather than `api`.
CLI_AGENT = "warroom-cli"


@dataclass
class Origin:
    """Where the commands of a request (or a background loop) come from."""

    channel: str = "internal"
    actor: str | None = None
    role: str | None = None
    client_ip: str | None = None
    user_agent: str | None = None


_origin: ContextVar[Origin | None] = ContextVar("warroom_audit_origin", default=None)


def current() -> Origin | None:
    return _origin.get()


def bind(origin: Origin) -> None:
    """Make `origin` the origin of what this context runs from now on."""
    _origin.set(origin)


@contextmanager
def bound(origin: Origin | None) -> Iterator[None]:
    """Run a block with `origin` (e.g. a queued command with the origin of its request)."""
    token = _origin.set(origin)
    try:
        yield
    finally:
        _origin.reset(token)


def identify(actor: str, role: str | None = None) -> None:
    """Name the authenticated caller of the current request."""
    origin = _origin.get()
    if origin is None:
        origin = Origin()
        _origin.set(origin)
    origin.actor = actor
    origin.role = role


_SCALARS = frozenset({type(None), bool, int, float})


def jsonable(value: Any, *, redact: bool = False) -> Any:
    """`value` as JSON-ready data (times in ISO 8601, enums by value, long text cut);
    with `redact`, secrets hidden on the way (by field name and by shape)."""
    kind = type(value)
    if kind is str:  # the common cases first, by exact type (this runs for every alert)
        text = value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
        return scrub_text(text) if redact else text
    if kind in _SCALARS:
        return value
    if kind is dict:
        return _mapping(value.items(), redact)
    names = _field_names(kind)
    if names is not None:
        return _mapping(((name, getattr(value, name)) for name in names), redact)
    if isinstance(value, Enum):
        return jsonable(value.value, redact=redact)
    if isinstance(value, str):
        return jsonable(str.__str__(value), redact=redact)
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _mapping(value.items(), redact)
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v, redact=redact) for v in value]
    return jsonable(str(value), redact=redact)


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names (None for anything else), looked up once per type."""
    try:
        return _FIELD_NAMES[kind]
    except KeyError:
        fields = getattr(kind, "__dataclass_fields__", None)
        names = tuple(fields) if fields is not None and kind is not type else None
        _FIELD_NAMES[kind] = names
        return names


def _mapping(items: Iterable[tuple[Any, Any]], redact: bool) -> dict[str, Any]:
    out = {}
    for key, item in items:
        name = key if type(key) is str else str(key)
        if redact and item is not None and item != "" and sensitive_name(name):
            out[name] = REDACTED
        else:
            out[name] = jsonable(item, redact=redact)
    return out


def command_fields(command: Command) -> dict[str, Any]:
    """The command's fields, secrets hidden."""
    fields: dict[str, Any] = jsonable(command, redact=True)
    return fields


def actor_of(command: Command, origin: Origin | None) -> str:
    """The authenticated caller; else who the command says asks; else anonymous (a public
    request) or warroom itself."""
    if origin is not None and origin.actor:
        return origin.actor
    for name in ("by", "author", "integration", "person"):
        value = getattr(command, name, None)
        if isinstance(value, str) and value:
            return value
    return "anonymous" if origin is not None and origin.client_ip else "warroom"


def row(
    command: str,
    fields: dict[str, Any],
    changes: list[dict[str, Any]],
    *,
    at: datetime,
    actor: str | None = None,
    refs: str = "",
) -> dict[str, Any]:
    """An audit row from the current origin: the authenticated caller, else `actor` (who
    the write says acts), else anonymous (a public request) or warroom itself. `fields`
    are already JSON-ready with secrets hidden (`command_fields`, `write_fields`)."""
    origin = current()
    if origin is not None and origin.actor:
        who = origin.actor
    elif actor:
        who = actor
    else:
        who = "anonymous" if origin is not None and origin.client_ip else "warroom"
    return {
        "at": at,
        "actor": who,
        "role": origin.role if origin else None,
        "channel": origin.channel if origin else "internal",
        "client_ip": origin.client_ip if origin else None,
        "user_agent": origin.user_agent if origin else None,
        "command": command,
        "refs": refs,
        "fields": fields,
        "changes": changes,
    }


def write_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a write made outside the bus (people, tokens, sessions), secrets hidden."""
    out: dict[str, Any] = jsonable(dict(fields), redact=True)
    return out


def refs_of(command: Command, changed: list[str]) -> str:
    """',INC-3,INC-7,': the incidents the command names or changed."""
    refs = list(changed)
    ref = getattr(command, "ref", None)
    if isinstance(ref, str) and ref:
        normal = ref.strip().upper()
        if normal.isdigit():
            normal = f"INC-{normal}"
        refs.insert(0, normal)
    unique = list(dict.fromkeys(r for r in refs if r))
    return "," + ",".join(unique) + "," if unique else ""


def row_builder(now: Callable[[], datetime]) -> Callable[..., dict[str, Any]]:
    """How the stores of people, tokens and sessions (`audit_log.AuditedWrites`) build the
    audit row of each write: like a command's, with the origin of the request."""

    def build(
        command: str, fields: Mapping[str, Any], changes: list[dict[str, Any]], actor: str | None
    ) -> dict[str, Any]:
        return row(command, write_fields(fields), changes, at=now(), actor=actor)

    return build
