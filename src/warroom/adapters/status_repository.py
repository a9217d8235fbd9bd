"""The status page's tables inside a unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from warroom.adapters.orm.status import status_components, status_maintenances, status_subscribers
from warroom.domain.errors import NotFound


class StatusRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- components ----------------------------------------------------------------------------

    def component_names(self) -> list[str]:
        return list(self.session.execute(select(status_components.c.name)).scalars())

    def component_named(self, name: str) -> int | None:
        found: int | None = self.session.execute(
            select(status_components.c.id).where(status_components.c.name == name)
        ).scalar_one_or_none()
        return found

    def component(self, component_id: int) -> dict[str, Any]:
        row = self.session.execute(
            select(status_components).where(status_components.c.id == component_id)
        ).one_or_none()
        if row is None:
            raise NotFound("status component", str(component_id))
        return dict(row._mapping)

    def next_position(self) -> int:
        top = self.session.execute(select(func.max(status_components.c.position))).scalar()
        return int(top or 0) + 1

    def add_component(self, values: dict[str, Any]) -> int:
        new_id: int = self.session.execute(
            insert(status_components).values(**values).returning(status_components.c.id)
        ).scalar_one()
        return new_id

    def update_component(self, component_id: int, values: dict[str, Any]) -> None:
        self.session.execute(
            update(status_components).where(status_components.c.id == component_id).values(**values)
        )

    def remove_component(self, component_id: int) -> None:
        self.session.execute(
            delete(status_components).where(status_components.c.id == component_id)
        )

    # -- maintenance -------------------------------------------------------------------------

    def maintenance(self, maintenance_id: int) -> dict[str, Any]:
        row = self.session.execute(
            select(status_maintenances).where(status_maintenances.c.id == maintenance_id)
        ).one_or_none()
        if row is None:
            raise NotFound("maintenance", str(maintenance_id))
        return dict(row._mapping)

    def add_maintenance(self, values: dict[str, Any]) -> int:
        new_id: int = self.session.execute(
            insert(status_maintenances).values(**values).returning(status_maintenances.c.id)
        ).scalar_one()
        return new_id

    def update_maintenance(self, maintenance_id: int, values: dict[str, Any]) -> None:
        self.session.execute(
            update(status_maintenances)
            .where(status_maintenances.c.id == maintenance_id)
            .values(**values)
        )

    def remove_maintenance(self, maintenance_id: int) -> None:
        self.session.execute(
            delete(status_maintenances).where(status_maintenances.c.id == maintenance_id)
        )

    # -- subscribers ---------------------------------------------------------------------------

    def subscriber(self, email: str) -> dict[str, Any] | None:
        row = self.session.execute(
            select(status_subscribers).where(status_subscribers.c.email == email)
        ).one_or_none()
        return dict(row._mapping) if row is not None else None

    def save_subscriber(
        self, *, email: str, components: list[str], token: str, now: datetime
    ) -> None:
        """Insert the confirmed subscriber, or replace the components of an existing one."""
        if self.subscriber(email) is None:
            self.session.execute(
                insert(status_subscribers).values(
                    email=email,
                    components=components,
                    token=token,
                    confirmed_at=now,
                    created_at=now,
                )
            )
        else:
            self.session.execute(
                update(status_subscribers)
                .where(status_subscribers.c.email == email)
                .values(components=components, confirmed_at=now)
            )

    def unsubscribe(self, token: str) -> str | None:
        """Remove the subscriber holding `token`; their address, or None if unknown."""
        email: str | None = self.session.execute(
            delete(status_subscribers)
            .where(status_subscribers.c.token == token)
            .returning(status_subscribers.c.email)
        ).scalar_one_or_none()
        return email

    def subscribers_for(self, components: list[str]) -> list[dict[str, Any]]:
        """Subscribers of any of `components` (all subscribers when the list is empty)."""
        rows = self.session.execute(
            select(
                status_subscribers.c.id,
                status_subscribers.c.email,
                status_subscribers.c.token,
                status_subscribers.c.components,
            ).order_by(status_subscribers.c.id)
        ).all()
        wanted = set(components)
        return [
            dict(r._mapping)
            for r in rows
            if not wanted or not r.components or wanted & set(r.components)
        ]
