"""Schedules, overrides, escalation policies and pages inside a unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from warroom.adapters.oncall_codec import (
    policy_from_dict,
    policy_to_dict,
    schedule_from_dict,
    schedule_to_dict,
)
from warroom.adapters.orm.oncall import escalation_policies, pages, schedule_overrides, schedules
from warroom.adapters.repository import parse_ref
from warroom.domain.escalation import EscalationPolicy, Page, PageStatus
from warroom.domain.oncall import Override, Schedule


def _upsert(session: Session, table: Any, key: str, values: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = make(table).values(**values)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[key], set_={k: v for k, v in values.items() if k != key}
        )
    )


def _page(row: Any) -> Page:
    return Page(
        id=row.id,
        summary=row.summary,
        policy=row.policy,
        created_at=row.created_at,
        service=row.service,
        alert_id=row.alert_id,
        incident_ref=f"INC-{row.incident_id}" if row.incident_id is not None else None,
        status=PageStatus(row.status),
        level=row.level,
        round=row.round,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at,
        paged=list(row.paged),
    )


def _rowcount(result: Any) -> int:
    counted: CursorResult[Any] = result
    return int(counted.rowcount)


class OnCallRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- schedules ---------------------------------------------------------------------------

    def schedule(self, name: str) -> Schedule | None:
        row = self.session.execute(select(schedules).where(schedules.c.name == name)).one_or_none()
        return schedule_from_dict(row._asdict()) if row is not None else None

    def schedules(self) -> list[Schedule]:
        rows = self.session.execute(select(schedules).order_by(schedules.c.name))
        return [schedule_from_dict(r._asdict()) for r in rows]

    def save_schedule(self, schedule: Schedule) -> None:
        _upsert(self.session, schedules, "name", schedule_to_dict(schedule))

    def delete_schedule(self, name: str) -> bool:
        return bool(
            _rowcount(self.session.execute(delete(schedules).where(schedules.c.name == name)))
        )

    def overrides(self, schedule: str, start: datetime, end: datetime) -> list[Override]:
        """Overrides of `schedule` overlapping [start, end)."""
        rows = self.session.execute(
            select(schedule_overrides)
            .where(
                schedule_overrides.c.schedule == schedule,
                schedule_overrides.c.starts_at < end,
                schedule_overrides.c.ends_at > start,
            )
            .order_by(schedule_overrides.c.starts_at, schedule_overrides.c.id)
        )
        return [Override(r.person, r.starts_at, r.ends_at, id=r.id, reason=r.reason) for r in rows]

    def add_override(self, schedule: str, override: Override, *, by: str, now: datetime) -> int:
        stmt = (
            insert(schedule_overrides)
            .values(
                schedule=schedule,
                person=override.person,
                starts_at=override.starts_at,
                ends_at=override.ends_at,
                reason=override.reason,
                created_by=by,
                created_at=now,
            )
            .returning(schedule_overrides.c.id)
        )
        return int(self.session.execute(stmt).scalar_one())

    def delete_override(self, schedule: str, override_id: int) -> bool:
        stmt = delete(schedule_overrides).where(
            schedule_overrides.c.schedule == schedule, schedule_overrides.c.id == override_id
        )
        return bool(_rowcount(self.session.execute(stmt)))

    # -- escalation policies -------------------------------------------------------------

    def policy(self, name: str) -> EscalationPolicy | None:
        row = self.session.execute(
            select(escalation_policies).where(escalation_policies.c.name == name)
        ).one_or_none()
        return policy_from_dict(row._asdict()) if row is not None else None

    def policies(self) -> list[EscalationPolicy]:
        rows = self.session.execute(
            select(escalation_policies).order_by(escalation_policies.c.name)
        )
        return [policy_from_dict(r._asdict()) for r in rows]

    def save_policy(self, policy: EscalationPolicy) -> None:
        _upsert(self.session, escalation_policies, "name", policy_to_dict(policy))

    def delete_policy(self, name: str) -> bool:
        stmt = delete(escalation_policies).where(escalation_policies.c.name == name)
        return bool(_rowcount(self.session.execute(stmt)))

    # -- pages -------------------------------------------------------------------------------

    def add_page(self, page: Page) -> int:
        stmt = (
            insert(pages)
            .values(**self._page_values(page), created_at=page.created_at)
            .returning(pages.c.id)
        )
        page.id = int(self.session.execute(stmt).scalar_one())
        return page.id

    def page(self, page_id: int, *, lock: bool = True) -> Page | None:
        stmt = select(pages).where(pages.c.id == page_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self.session.execute(stmt).one_or_none()
        return _page(row) if row is not None else None

    def save_page(self, page: Page) -> None:
        self.session.execute(
            update(pages).where(pages.c.id == page.id).values(**self._page_values(page))
        )

    def open_pages(
        self, *, incident_ref: str | None = None, person: str | None = None
    ) -> list[Page]:
        """Pages still escalating, oldest first; of one incident, or sent to one person."""
        stmt = select(pages).where(pages.c.status == str(PageStatus.TRIGGERED))
        if incident_ref is not None:
            stmt = stmt.where(pages.c.incident_id == parse_ref(incident_ref))
        found = [
            _page(r) for r in self.session.execute(stmt.order_by(pages.c.id).with_for_update())
        ]
        if person is not None:
            found = [p for p in found if any(e.get("person") == person for e in p.paged)]
        return found

    @staticmethod
    def _page_values(page: Page) -> dict[str, Any]:
        return {
            "summary": page.summary,
            "policy": page.policy,
            "service": page.service,
            "alert_id": page.alert_id,
            "incident_id": parse_ref(page.incident_ref) if page.incident_ref else None,
            "status": str(page.status),
            "level": page.level,
            "round": page.round,
            "acknowledged_at": page.acknowledged_at,
            "acknowledged_by": page.acknowledged_by,
            "resolved_at": page.resolved_at,
            "paged": list(page.paged),
        }
