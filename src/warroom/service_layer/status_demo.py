"""Status page demo data: components, the catalog entries that link services to them, and
the demo's customer-facing incidents made public (for `warroom serve --demo`)."""

from __future__ import annotations

from warroom.domain import commands as c
from warroom.domain.directory import Service
from warroom.domain.enums import Audience, Visibility
from warroom.domain.status_commands import AddStatusComponent
from warroom.service_layer.messagebus import MessageBus

COMPONENTS = (
    ("Sign-in", "Platform", "auth"),
    ("API", "Platform", "api-gateway"),
    ("Checkout", "Store", "payments"),
    ("Status emails", None, "notifications"),
)


def seed_status_demo(bus: MessageBus, refs: list[str]) -> None:
    """Add components and publish the customer-facing demo incidents."""
    for name, group, service in COMPONENTS:
        bus.handle(AddStatusComponent(name=name, by="demo", group=group))
        with bus.uow_factory() as uow:
            existing = uow.directory.service(service) or Service(name=service)
            existing.status_component = name
            uow.directory.add(existing)
            uow.commit()
    for ref in refs[:3]:
        bus.handle(c.EditIncident(ref=ref, by="demo", changes={"visibility": Visibility.PUBLIC}))
    bus.handle(
        c.PostUpdate(
            ref=refs[0],
            audience=Audience.CUSTOMERS,
            text="Some customers cannot sign in. We are investigating and will post "
            "another update within the hour.",
            by="dana",
        )
    )
