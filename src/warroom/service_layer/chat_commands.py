"""Commands typed in chat (`!inc log …` in Matrix, `/inc log …` in Slack), run through the bus.

Both chats share this parser, so the same words do the same thing everywhere. Each
request runs once per id (the Matrix event id, the Slack request signature): a
redelivered event replays the first answer instead of acting twice. A command that
changes an incident is put to the same permission map as the API (`access.decide`), for
the person the chat user is in the directory.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from warroom.domain import commands
from warroom.domain.access import (
    AccessRole,
    Decision,
    IncidentAccess,
    Permission,
    Principal,
    decide,
    refusal,
)
from warroom.domain.enums import Audience, EntryKind, RoleName, Stage, Visibility
from warroom.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from warroom.domain.incident import Incident
from warroom.service_layer import audit
from warroom.service_layer.checklist_text import checklist_message
from warroom.service_layer.messagebus import IdempotencyKey, MessageBus
from warroom.service_layer.unit_of_work import UnitOfWork

HELP = (
    "Commands: log TEXT · update [internal|customers|observers] TEXT · stage STAGE [NOTE] · "
    "role ROLE PERSON · severity SEV [REASON] · ack · status · checklist [ROLE] · help. "
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
    # The access role of the person `by` names (their user's, or viewer without a user);
    # None when the directory does not know the chat user: such a user changes nothing.
    access: AccessRole | None = None

    @property
    def principal(self) -> Principal:
        return Principal(name=self.by, role=self.access or AccessRole.VIEWER)


@dataclass(frozen=True)
class ShowChecklist:
    """`checklist [ROLE]`: the incident's checklist, or the items one role owns."""

    ref: str
    role: RoleName | None = None


Parsed = commands.Command | ShowChecklist | None


def parse(text: str, ref: str | None, by: str) -> tuple[str, Parsed]:
    """(verb, command); `status` and `help` have none. InvalidInput on bad words."""
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
    if verb == "checklist":
        return verb, ShowChecklist(ref=ref, role=_role(rest) if rest else None)
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
        name = _role(role)
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


def _role(word: str) -> RoleName:
    try:
        return RoleName(word.lower())
    except ValueError:
        raise InvalidInput(
            "role", f"unknown role {word!r}; use one of " + ", ".join(RoleName)
        ) from None


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


def _standing(uow: UnitOfWork, inc: Incident, request: ChatRequest) -> IncidentAccess:
    """The chat user's standing on `inc`; a user the directory does not know has none."""
    known = request.access is not None
    return IncidentAccess(
        visibility=Visibility(inc.visibility),
        roles=[str(r) for r in inc.roles_of(request.by)] if known else [],
        member=known
        and (inc.declared_by == request.by or uow.incidents.has_member(inc.number, request.by)),
    )


def _admit(bus: MessageBus, ref: str, request: ChatRequest, *, write: bool) -> None:
    """Raise NotFound or RuleViolation unless the chat user may read (or change) `ref`.

    In its own room everyone present is the incident's and may read it; elsewhere a
    restricted incident answers only those who see it. Changes are put to `decide`.
    """
    principal = request.principal
    with bus.uow_factory() as uow:
        standing = _standing(uow, uow.incidents.get(ref), request)
    own_room = ref == request.ref
    if not own_room and decide(principal, Permission.READ, standing) is Decision.HIDDEN:
        raise NotFound("incident", ref)
    if not write:
        return
    if request.access is None:
        raise RuleViolation(
            "chat.unknown_person",
            f"{request.by} is not in the directory, so may not change incidents from chat; "
            f"ask an admin to add your {request.source} id to your person",
        )
    decision = decide(principal, Permission.WRITE, standing)
    if decision is Decision.HIDDEN:
        raise RuleViolation(
            "access.restricted", f"{ref} is restricted: only its members may change it"
        )
    if decision is Decision.DENIED:
        raise RuleViolation("access.role", f"{request.by}: {refusal(principal, Permission.WRITE)}")


def handle(bus: MessageBus, request: ChatRequest) -> str:
    """Run a chat request and return the answer to post back (errors included)."""
    try:
        verb, command = parse(request.text, request.ref, request.by)
        if command is None and verb == "help":
            return HELP
        named = _REF.match(request.text.strip())
        target = named.group(1).upper() if named else str(request.ref)
        _admit(bus, target, request, write=isinstance(command, commands.Command))
        if command is None:
            return status_text(bus, target)
        if isinstance(command, ShowChecklist):
            with bus.uow_factory() as uow:
                return checklist_message(
                    uow.incidents.get(command.ref),
                    bus.context.policy,
                    now=bus.context.clock.now(),
                    role=command.role,
                )
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
