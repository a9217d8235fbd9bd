"""Commands typed in chat (`!inc log …` in Matrix, `/inc log …` in Slack), run through the bus.

Both chats share this parser, so the same words do the same thing everywhere. Each
request runs once per id (the Matrix event id, the Slack request signature): a
redelivered event replays the first answer instead of acting twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from warroom.domain import commands
from warroom.domain.enums import Audience, EntryKind, RoleName, Stage, Visibility
from warroom.domain.errors import DomainError, InvalidInput, NotFound
from warroom.service_layer import audit
from warroom.service_layer.messagebus import IdempotencyKey, MessageBus

HELP = (
    "Commands: log TEXT · update [internal|customers|observers] TEXT · stage STAGE [NOTE] · "
    "role ROLE PERSON · severity SEV [REASON] · ack · status · help. "
    "Outside an incident room, start with the ref: INC-12 log …"
)
_REF = re.compile(r"^(INC-\d+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class ChatRequest:
    text: str  # after the prefix ("!inc" or "/inc")
    ref: str | None  # the incident of the room, if the room is an incident room
    by: str  # the person's handle (or their chat id when the directory does not know them)
    request_id: str  # Matrix event id, Slack signature
    source: str  # "matrix" or "slack"


def parse(text: str, ref: str | None, by: str) -> tuple[str, commands.Command | None]:
    """(verb, command); `status` and `help` have no command. InvalidInput on bad words."""
    text = text.strip()
    found = _REF.match(text)
    if found:
        ref, text = found.group(1).upper(), text[found.end() :]
    verb, _, rest = text.partition(" ")
    verb, rest = verb.lower(), rest.strip()
    if verb in ("", "help"):
        return "help", None
    if ref is None:
        raise InvalidInput("ref", "this room is not an incident room; start with the ref: INC-12 …")
    if verb == "status":
        return "status", None
    if verb == "log":
        return verb, commands.AddTimelineEntry(ref=ref, kind=EntryKind.NOTE, text=rest, by=by)
    if verb == "update":
        first, _, tail = rest.partition(" ")
        audience = Audience.INTERNAL
        if first.lower() in {a.value for a in Audience}:
            audience, rest = Audience(first.lower()), tail.strip()
        return verb, commands.PostUpdate(ref=ref, audience=audience, text=rest, by=by)
    if verb == "stage":
        stage, _, note = rest.partition(" ")
        try:
            target = Stage(stage.lower())
        except ValueError:
            raise InvalidInput(
                "stage", f"unknown stage {stage!r}; use one of " + ", ".join(Stage)
            ) from None
        return verb, commands.ChangeStage(ref=ref, stage=target, by=by, note=note.strip())
    if verb == "role":
        role, _, person = rest.partition(" ")
        try:
            name = RoleName(role.lower())
        except ValueError:
            raise InvalidInput(
                "role", f"unknown role {role!r}; use one of " + ", ".join(RoleName)
            ) from None
        if not person.strip():
            raise InvalidInput("person", "say who: role commander alice")
        return verb, commands.AssignRole(
            ref=ref, role=name, person=person.strip().lstrip("@"), by=by
        )
    if verb == "severity":
        sev, _, reason = rest.partition(" ")
        return verb, commands.ChangeSeverity(ref=ref, severity=sev, by=by, reason=reason.strip())
    if verb in ("ack", "acknowledge"):
        return "ack", commands.Acknowledge(ref=ref, by=by)
    raise InvalidInput("command", f"unknown command {verb!r}. {HELP}")


def status_text(bus: MessageBus, ref: str) -> str:
    with bus.uow_factory() as uow:
        inc = uow.incidents.get(ref)
        roles = ", ".join(f"{a.role} {a.person}" for a in inc.roles if a.active) or "none"
        last = inc.last_update_internal_at
        return (
            f"{inc.ref} {inc.severity.upper()} {inc.stage}: {inc.summary_line}\n"
            f"Roles: {roles}\n"
            f"Last internal update: {last.isoformat() if last else 'none yet'}"
        )


def _reply(verb: str, result: Any) -> str:
    if verb == "log":
        return f"Logged on {result['ref']}."
    if verb == "update":
        return f"Update posted to {result['audience']} on {result['ref']}."
    if verb == "stage":
        return f"{result['ref']} is now {result['stage']}."
    if verb == "severity":
        return f"{result['ref']} is now {result['severity']}."
    return f"Done on {result.get('ref', '')}."


def _hidden(bus: MessageBus, ref: str, person: str) -> bool:
    """A restricted incident named from another room answers only its members."""
    with bus.uow_factory() as uow:
        inc = uow.incidents.get(ref)
        if inc.visibility is not Visibility.RESTRICTED:
            return False
        return not (
            inc.declared_by == person
            or inc.roles_of(person)
            or uow.incidents.has_member(inc.number, person)
        )


def handle(bus: MessageBus, request: ChatRequest) -> str:
    """Run a chat request and return the answer to post back (errors included)."""
    try:
        named = _REF.match(request.text.strip())
        target = named.group(1).upper() if named else request.ref
        # In its own room everyone present is the incident's; elsewhere, ask.
        if target and target != request.ref and _hidden(bus, target, request.by):
            raise NotFound("incident", target)
        verb, command = parse(request.text, request.ref, request.by)
        if command is None:
            return HELP if verb == "help" else status_text(bus, str(target or ""))
        key = IdempotencyKey(
            principal=f"{request.source}:{request.by}",
            key=request.request_id,
            fingerprint=hashlib.sha256(request.text.encode()).hexdigest(),
        )
        edge = audit.current()
        origin = audit.Origin(
            channel=request.source,
            actor=request.by,
            client_ip=edge.client_ip if edge else None,
            user_agent=edge.user_agent if edge else None,
        )
        with audit.bound(origin):
            outcome = bus.handle_idempotent(command, key)
        if verb == "role":
            assign: Any = command
            return f"{assign.person} is {assign.role} on {assign.ref}."
        return _reply(verb, outcome.result)
    except DomainError as exc:
        return f"Not done: {exc}"
