"""Building a status page scenario through the bus: components, services, incidents."""

from __future__ import annotations

from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.directory import Service
from warroom.domain.enums import Audience, EntryKind, Stage, Visibility
from warroom.domain.status_commands import AddStatusComponent

SECRET = "ZQX-internal-marker-7731"


def components(wr: Warroom) -> None:
    wr.bus.handle(AddStatusComponent(name="API", by="root", group="Platform"))
    wr.bus.handle(AddStatusComponent(name="Website", by="root", group="Platform"))
    wr.bus.handle(AddStatusComponent(name="Email delivery", by="root"))
    with wr.bus.uow_factory() as uow:
        uow.directory.add(Service(name="auth", status_component="API"))
        uow.directory.add(Service(name="web", status_component="Website"))
        uow.directory.add(Service(name="mailer", status_component="Email delivery"))
        uow.commit()


def declare(
    wr: Warroom, title: str, *, visibility: Visibility, services: tuple[str, ...], severity: str
) -> str:
    ref: str = wr.bus.handle(
        c.DeclareIncident(
            title=title,
            severity=severity,
            by="emily",
            services=services,
            visibility=visibility,
            force=True,
        )
    )["ref"]
    return ref


def secret_everywhere(wr: Warroom) -> tuple[str, str, str]:
    """A public incident with internal chatter, an internal and a restricted incident."""
    public = declare(
        wr, "Logins failing", visibility=Visibility.PUBLIC, services=("auth",), severity="sev1"
    )
    wr.bus.handle(c.AddTimelineEntry(ref=public, kind=EntryKind.NOTE, text=SECRET, by="emily"))
    wr.bus.handle(
        c.PostUpdate(ref=public, audience=Audience.INTERNAL, text=f"internal {SECRET}", by="dana")
    )
    wr.bus.handle(
        c.PostUpdate(ref=public, audience=Audience.OBSERVERS, text=f"observers {SECRET}", by="d")
    )
    wr.bus.handle(
        c.ChangeStage(ref=public, stage=Stage.IDENTIFIED, by="emily", note=f"note {SECRET}")
    )
    wr.bus.handle(
        c.PostUpdate(
            ref=public,
            audience=Audience.CUSTOMERS,
            text="We have found the cause of failed logins and are fixing it.",
            by="dana",
        )
    )
    internal = declare(
        wr, f"Internal {SECRET}", visibility=Visibility.INTERNAL, services=("web",), severity="sev1"
    )
    wr.bus.handle(
        c.PostUpdate(ref=internal, audience=Audience.CUSTOMERS, text=f"cust {SECRET}", by="dana")
    )
    restricted = declare(
        wr,
        f"Restricted {SECRET}",
        visibility=Visibility.RESTRICTED,
        services=("mailer",),
        severity="sev1",
    )
    wr.bus.handle(
        c.PostUpdate(ref=restricted, audience=Audience.CUSTOMERS, text=f"r {SECRET}", by="dana")
    )
    return public, internal, restricted
