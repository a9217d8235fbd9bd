"""The declaration checklist (document 002), run in the transaction that declares.

Every step writes outbox rows (or links) now; the worker delivers them and writes each
step's outcome (done / retrying / failed) on the timeline. A step that cannot run — no
channel configured, no owning team known — says so on the timeline instead of vanishing.
"""

from __future__ import annotations

from warroom.domain.background import OutboundMessage
from warroom.domain.directory import Team
from warroom.domain.enums import PagingMode, RoleName, Visibility
from warroom.domain.events import IncidentDeclared
from warroom.domain.incident import Incident
from warroom.domain.notify_policy import Destination, Step
from warroom.service_layer import templates
from warroom.service_layer.destinations import (
    chat_ids,
    room_channels,
    send_to,
)
from warroom.service_layer.messagebus import Context
from warroom.service_layer.notify import notify_person
from warroom.service_layer.paging import deliver_page, service_policy, start_page
from warroom.service_layer.unit_of_work import UnitOfWork


def run_checklist(event: IncidentDeclared, *, uow: UnitOfWork, ctx: Context) -> None:
    """Perform the policy's declaration steps for a newly declared incident."""
    incident = uow.incidents.get(event.ref)
    steps = ctx.policy.declaration.steps
    team, service = owning_team(uow, incident)
    if Step.VIDEO_BRIDGE in steps:
        _link_step(incident, ctx, Step.VIDEO_BRIDGE, ctx.policy.declaration.video_bridge_url)
    if Step.TICKET in steps:
        _link_step(incident, ctx, Step.TICKET, ctx.policy.declaration.ticket_url)
    if Step.ROOM in steps:
        open_rooms(uow, ctx, incident, team)
    if Step.NOTIFY_TEAM in steps:
        notify_team(uow, ctx, incident, team, service)
    if Step.ANNOUNCE in steps:
        announce(uow, ctx, incident, team)


def owning_team(uow: UnitOfWork, incident: Incident) -> tuple[Team | None, str | None]:
    """The team owning the first impacted service that has one (the ownership database)."""
    for name in incident.services:
        service = uow.directory.service(name)
        if service is not None and service.team:
            team = uow.directory.team(service.team)
            if team is not None:
                return team, name
    return None, None


def url_from(template: str, incident: Incident) -> str:
    return template.format(
        channel=incident.channel,
        ref=incident.ref,
        number=incident.number,
        severity=incident.severity,
        title=incident.title,
    )


def _link_step(incident: Incident, ctx: Context, step: Step, template: str) -> None:
    now = ctx.clock.now()
    if not template:
        what = "video_bridge_url" if step is Step.VIDEO_BRIDGE else "ticket_url"
        incident.record_step(
            step, "skipped", f"the policy has no declaration.{what} template", now=now
        )
        return
    url = url_from(template, incident)
    incident.set_link(str(step), url, now=now)
    incident.record_step(step, "done", url, now=now)


def may_see(uow: UnitOfWork, incident: Incident, person: str) -> bool:
    """Whether a person may read the incident: anyone, or a restricted one's own people."""
    if incident.visibility is not Visibility.RESTRICTED:
        return True
    return (
        person == incident.declared_by
        or bool(incident.roles_of(person))
        or uow.incidents.has_member(incident.number, person)
    )


def team_members(uow: UnitOfWork, incident: Incident, team: Team | None) -> list[str]:
    """The owning team's members who may be told the incident's details."""
    return [p for p in (team.members if team else []) if may_see(uow, incident, p)]


def responders(uow: UnitOfWork, incident: Incident, team: Team | None) -> list[str]:
    """Who works the incident: the declarer, role holders (not observers), the owning team.

    A restricted incident's room is not opened to team members who may not see it.
    """
    people = [incident.declared_by]
    people += [a.person for a in incident.roles if a.active and a.role is not RoleName.OBSERVER]
    people += team_members(uow, incident, team)
    observers = set(incident.holders(RoleName.OBSERVER))
    return [p for p in dict.fromkeys(people) if p not in observers]


def room_topic(incident: Incident, ctx: Context) -> str:
    level = ctx.policy.severity(incident.severity)
    return f"{incident.summary_line} — {level.label} — {incident.stage}"


def open_rooms(uow: UnitOfWork, ctx: Context, incident: Incident, team: Team | None) -> None:
    now = ctx.clock.now()
    channels = room_channels(ctx)
    if not channels:
        incident.record_step(
            Step.ROOM,
            "skipped",
            "no chat room channel is configured (set WARROOM_MATRIX_* or WARROOM_SLACK_*)",
            now=now,
        )
        return
    summary = templates.render(ctx.policy, "pinned_summary", incident)
    extra = []
    if "video_bridge" in incident.links:
        extra.append(
            templates.render(
                ctx.policy, "video_bridge", incident, link=incident.links["video_bridge"]
            )
        )
    people = responders(uow, incident, team)
    for channel in channels:
        uow.outbox.enqueue(
            OutboundMessage(
                key=f"{incident.ref}:room:{channel}",
                channel=channel,
                destination=incident.channel,
                subject=incident.ref,
                body=summary,
                incident_ref=incident.ref,
                payload={
                    "op": "open_room",
                    "step": str(Step.ROOM),
                    "ref": incident.ref,
                    "name": incident.channel,
                    "topic": room_topic(incident, ctx),
                    "invite": chat_ids(uow, people, channel),
                    "extra": extra,
                    # A restricted incident's room is private (Slack: a private channel;
                    # Matrix: an invite-only room warroom made, see `matrix_privacy`).
                    "visibility": str(incident.visibility),
                },
            ),
            now=now,
        )


def notify_team(
    uow: UnitOfWork, ctx: Context, incident: Incident, team: Team | None, service: str | None
) -> None:
    now = ctx.clock.now()
    if team is None:
        services = ", ".join(incident.services) or "none given"
        incident.record_step(
            Step.NOTIFY_TEAM,
            "skipped",
            f"no owning team in the directory for the impacted services ({services})",
            now=now,
        )
        return
    decl = ctx.policy.declaration
    level = ctx.policy.severity(incident.severity)
    paged = (
        incident.severity in decl.page_severities
        if decl.page_severities is not None
        else level.paging is PagingMode.ALWAYS
    )
    body = templates.render(
        ctx.policy, "team_notification", incident, team=team.name, service=service
    )
    subject = f"[{incident.ref}-{incident.severity.upper()}] {incident.summary_line}"
    payload = {"step": str(Step.NOTIFY_TEAM), "team": team.name}
    # A restricted incident's details go only to people who may see it: not to the
    # team's shared email list or chat channel, and not to team members who are not its
    # own (until someone adds them as members). Whoever is on call is still paged — a
    # restricted Sev1 must wake someone — but the page names only the incident and its
    # severity; acknowledging it makes them a member (`paging.acknowledge_page`).
    restricted = incident.visibility is Visibility.RESTRICTED
    told = team_members(uow, incident, team)
    withheld = [p for p in team.members if p not in told]
    already = uow.oncall.open_pages(incident_ref=incident.ref) if paged else []
    escalation = service_policy(uow, service) if paged and not already else None
    page_opened = already[0] if already else None
    if escalation is not None:
        # Page whoever is on call for the service and escalate until someone acknowledges.
        page_opened = start_page(
            uow,
            ctx,
            summary=(
                f"[{incident.ref}-{incident.severity.upper()}] restricted incident: "
                "acknowledge to see it"
                if restricted
                else subject
            ),
            policy=escalation,
            service=service,
            incident_ref=incident.ref,
            payload=payload,
        )
    for handle in [] if page_opened is not None else told:
        key = f"{incident.ref}:team:{handle}"
        if paged:
            deliver_page(
                uow,
                ctx,
                handle,
                key=key,
                subject=subject,
                body=body,
                incident_ref=incident.ref,
                severity=incident.severity,
                payload=payload,
            )
        else:
            notify_person(
                uow,
                ctx,
                handle,
                key=key,
                subject=subject,
                body=body,
                incident_ref=incident.ref,
                payload=payload,
            )
    if team.email and "email" in ctx.channels and not restricted:
        uow.outbox.enqueue(
            OutboundMessage(
                key=f"{incident.ref}:team-email:{team.name}",
                channel="email",
                destination=team.email,
                subject=subject,
                body=body,
                incident_ref=incident.ref,
                payload=payload,
            ),
            now=now,
        )
    if team.chat_channel and not restricted:
        for channel in room_channels(ctx):
            send_to(
                uow,
                ctx,
                Destination(channel, team.chat_channel),
                key=f"{incident.ref}:team-room:{team.name}",
                subject=subject,
                body=body,
                incident_ref=incident.ref,
                payload=payload,
            )
    how = "paged" if paged else "notified (no page for this severity)"
    if page_opened is not None:
        # An incident declared from an alert is paged once: by the alert's page.
        how = f"paged through escalation (page {page_opened.id}, until acknowledged)"
    if restricted:
        left_out = _left_out(team, withheld)
        if page_opened is None and not told:
            incident.record_step(
                Step.NOTIFY_TEAM, "skipped", f"restricted incident: {left_out}", now=now
            )
            return
        if withheld or team.email or team.chat_channel:
            incident.note_system(f"Restricted incident: {left_out}", now=now)
    incident.note_system(
        f"Owning team {team.name} ({', '.join(told) or 'no members'}) {how}",
        now=now,
    )


def _left_out(team: Team, withheld: list[str]) -> str:
    """Who of the owning team was not told a restricted incident's details, and why."""
    parts = []
    shared = [
        what
        for what, there in (("email list", team.email), ("chat channel", team.chat_channel))
        if there
    ]
    if shared:
        parts.append(f"not sent to team {team.name}'s shared {' and '.join(shared)}")
    if withheld:
        parts.append(
            f"not told: {', '.join(withheld)} "
            "(not the incident's own; add them as members to let them in)"
        )
    return "; ".join(parts) or f"team {team.name} has nobody who may see it"


def announce(uow: UnitOfWork, ctx: Context, incident: Incident, team: Team | None) -> None:
    now = ctx.clock.now()
    destinations = ctx.policy.declaration.announce
    if incident.visibility is Visibility.RESTRICTED:
        incident.record_step(
            Step.ANNOUNCE,
            "skipped",
            "restricted incidents are not announced to shared channels",
            now=now,
        )
        return
    if not destinations:
        incident.record_step(
            Step.ANNOUNCE, "skipped", "the policy lists no announcement destination", now=now
        )
        return
    body = templates.render(ctx.policy, "announcement", incident, team=team.name if team else None)
    subject = f"[{incident.ref}-{incident.severity.upper()}] {incident.summary_line}"
    skipped = []
    for dest in destinations:
        queued = send_to(
            uow,
            ctx,
            dest,
            key=f"{incident.ref}:announce",
            subject=subject,
            body=body,
            incident_ref=incident.ref,
            payload={"step": str(Step.ANNOUNCE)},
        )
        if not queued:
            skipped.append(str(dest))
    if skipped:
        incident.record_step(
            Step.ANNOUNCE, "skipped", f"channel not configured for {', '.join(skipped)}", now=now
        )
