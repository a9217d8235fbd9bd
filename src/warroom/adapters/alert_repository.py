"""Integrations and alerts inside a unit of work, in plain SQL (intake is the hot path).

Deduplication holds across processes: an alert is found by (integration, fingerprint)
with `FOR UPDATE`, and a new one is inserted with `ON CONFLICT DO NOTHING` on the unique
(integration_id, open_fingerprint) index; if a concurrent writer inserted it first, the
insert returns nothing and the row is read (and locked) again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from warroom.adapters.core_changes import record_change, record_row, untracked
from warroom.adapters.orm.alerts import alerts, integrations
from warroom.adapters.orm.incidents import incident_services, incidents
from warroom.adapters.orm.types import UTCDateTime
from warroom.adapters.repository import parse_ref
from warroom.domain.alerts import Alert, AlertStatus
from warroom.domain.enums import Stage
from warroom.domain.integrations import Integration, IntegrationKind

_ALERT_FIELDS = [f.name for f in fields(Alert) if f.name != "incident_ref"]

# The hot path of intake (an open alert firing again), built once and compiled once per
# dialect. SQLite (one writer): one statement finds and counts the repeat. PostgreSQL
# (any number of writers): the open alert is found without a lock and the count is added
# when the unit of work flushes, just before commit, so that processes holding row locks
# on the same hot alerts for a whole batch do not queue behind one another.
_REPEAT = (
    update(alerts)
    .where(
        alerts.c.integration_id == bindparam("b_integration"),
        alerts.c.open_fingerprint == bindparam("b_fingerprint"),
        alerts.c.status != str(AlertStatus.RESOLVED),
    )
    .values(count=alerts.c.count + 1, last_seen_at=bindparam("b_now"))
    .returning(alerts.c.id, alerts.c.count)
)
_FIND_OPEN = select(alerts.c.id).where(
    alerts.c.integration_id == bindparam("b_integration"),
    alerts.c.open_fingerprint == bindparam("b_fingerprint"),
    alerts.c.status != str(AlertStatus.RESOLVED),
)
_ADD_COUNTS = (
    update(alerts)
    .where(alerts.c.id == bindparam("b_id"))
    .values(
        count=alerts.c.count + bindparam("b_n"),
        last_seen_at=func.greatest(alerts.c.last_seen_at, bindparam("b_now", type_=UTCDateTime)),
    )
)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positional: tuple[str, ...] | None  # parameter order for positional drivers (SQLite)
    defaults: dict[str, Any]  # the statement's own literals (count + 1, status)
    when: Callable[[datetime], Any]  # the time column's bind processing (UTC on SQLite)


_COMPILED: dict[tuple[str, str], _Compiled] = {}
_INSERTS: dict[str, Any] = {}


def _compiled(name: str, statement: Any, dialect: Dialect) -> _Compiled:
    """`statement` compiled for `dialect`, once."""
    found = _COMPILED.get((name, dialect.name))
    if found is None:
        compiled = statement.compile(dialect=dialect)
        found = _Compiled(
            sql=compiled.string,
            positional=tuple(compiled.positiontup) if compiled.positiontup else None,
            defaults=dict(compiled.params),
            when=alerts.c.last_seen_at.type.bind_processor(dialect) or (lambda value: value),
        )
        _COMPILED[(name, dialect.name)] = found
    return found


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _integration(row: Any) -> Integration:
    return Integration(
        id=row.id,
        name=row.name,
        kind=IntegrationKind(row.kind),
        service=row.service,
        mapping=dict(row.mapping),
        rate_limit_per_minute=row.rate_limit_per_minute,
        created_at=row.created_at,
        key_prefix=row.key_prefix,
        rotated_at=row.rotated_at,
    )


def _alert(row: Any) -> Alert:
    values = {name: getattr(row, name) for name in _ALERT_FIELDS}
    values["status"] = AlertStatus(values["status"])
    values["labels"] = dict(values["labels"])
    values["annotations"] = dict(values["annotations"])
    incident = row.incident_id
    return Alert(**values, incident_ref=f"INC-{incident}" if incident is not None else None)


class AlertRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._connection: Connection | None = None
        self._pending: dict[int, int] = {}  # alert id → repeats not yet added (PostgreSQL)
        self._open: dict[tuple[int, str], int] = {}  # prefetched open alerts (PostgreSQL)
        self._pending_at: datetime | None = None
        # The audit changes of deferred repeats, completed by `flush_counts`.
        self._pending_changes: dict[int, list[dict[str, Any]]] = {}

    def _conn(self) -> Connection:
        # Core statements on the unit of work's connection: the ORM's execution layer
        # adds nothing for plain tables, and intake runs these thousands of times a second.
        # Asking the session for it each time costs more than the statement itself.
        connection = self._connection
        if connection is None or connection.closed or not connection.in_transaction():
            connection = self._connection = self.session.connection()
        return connection

    # -- integrations ------------------------------------------------------------------

    def integration(self, name: str) -> Integration | None:
        row = (
            self._conn()
            .execute(select(integrations).where(integrations.c.name == name))
            .one_or_none()
        )
        return _integration(row) if row is not None else None

    def integration_by_hash(self, key_hash: str) -> Integration | None:
        row = (
            self._conn()
            .execute(select(integrations).where(integrations.c.key_hash == key_hash))
            .one_or_none()
        )
        return _integration(row) if row is not None else None

    def integrations(self) -> list[Integration]:
        rows = self._conn().execute(select(integrations).order_by(integrations.c.name))
        return [_integration(r) for r in rows]

    def add_integration(self, integration: Integration, *, key_hash: str) -> int:
        values = {
            "name": integration.name,
            "kind": str(integration.kind),
            "key_hash": key_hash,
            "key_prefix": integration.key_prefix,
            "service": integration.service,
            "mapping": dict(integration.mapping),
            "rate_limit_per_minute": integration.rate_limit_per_minute,
            "created_at": integration.created_at,
        }
        stmt = _insert(self.session)(integrations).values(**values).returning(integrations.c.id)
        return int(self._conn().execute(stmt).scalar_one())

    def update_integration(self, name: str, **values: Any) -> bool:
        """Whether the integration exists (an empty change only looks it up)."""
        if not values:  # an UPDATE without SET is a syntax error
            found = select(integrations.c.id).where(integrations.c.name == name)
            return self._conn().execute(found).first() is not None
        result = self._conn().execute(
            update(integrations).where(integrations.c.name == name).values(**values)
        )
        return bool(result.rowcount)

    def delete_integration(self, name: str) -> bool:
        result = self._conn().execute(delete(integrations).where(integrations.c.name == name))
        return bool(result.rowcount)

    # -- alerts ------------------------------------------------------------------------------

    def count_repeat(self, integration_id: int, fingerprint: str, now: datetime) -> int | None:
        """If an open alert has this fingerprint, count one more firing; its id, else None.

        Run on the driver's cursor with the statement compiled once: this is the one
        statement most webhooks cost, and SQLAlchemy's per-execution overhead would be most
        of its time.
        """
        connection = self._conn()
        deferred = connection.dialect.name == "postgresql"
        if deferred and (integration_id, fingerprint) in self._open:
            alert_id = self._open[(integration_id, fingerprint)]
            self._defer(alert_id, now)
            return alert_id
        statement = _compiled(
            "find" if deferred else "repeat",
            _FIND_OPEN if deferred else _REPEAT,
            connection.dialect,
        )
        values = {
            **statement.defaults,
            "b_integration": integration_id,
            "b_fingerprint": fingerprint,
            "b_now": statement.when(now),
        }
        params: Any = values
        if statement.positional:
            params = tuple(values[name] for name in statement.positional)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(statement.sql, params)
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        alert_id = int(row[0])
        if deferred:
            self._defer(alert_id, now)
        else:  # written on the cursor, so the audit is told by hand
            record_change(
                self.session,
                {
                    "entity": "alerts",
                    "target": str(alert_id),
                    "op": "update",
                    "before": {"count": int(row[1]) - 1},
                    "after": {"count": int(row[1]), "last_seen_at": now.isoformat()},
                },
            )
        return alert_id

    def prefetch_open(self, keys: set[tuple[int, str]]) -> None:
        """PostgreSQL: find the open alerts of a whole batch in one round trip, so that
        counting their repeats needs none (`count_repeat` uses what is found here)."""
        connection = self._conn()
        if connection.dialect.name != "postgresql" or not keys:
            return
        pairs = tuple_(alerts.c.integration_id, alerts.c.open_fingerprint).in_(sorted(keys))
        rows = connection.execute(
            select(alerts.c.id, alerts.c.integration_id, alerts.c.open_fingerprint).where(
                pairs, alerts.c.status != str(AlertStatus.RESOLVED)
            )
        )
        self._open.update({(r.integration_id, r.open_fingerprint): r.id for r in rows})

    def _forget(self, alert_id: int) -> None:
        """An alert's state changes in this batch: look it up again next time."""
        self._open = {k: v for k, v in self._open.items() if v != alert_id}

    def _defer(self, alert_id: int, now: datetime) -> None:
        self._pending[alert_id] = self._pending.get(alert_id, 0) + 1
        self._pending_at = max(self._pending_at or now, now)
        change: dict[str, Any] = {
            "entity": "alerts",
            "target": str(alert_id),
            "op": "update",
            "before": {},
            "after": {"last_seen_at": now.isoformat()},
        }
        self._pending_changes.setdefault(alert_id, []).append(change)
        record_change(self.session, change)

    def flush_counts(self) -> None:
        """Add the repeats counted so far (PostgreSQL), in id order: the same lock order in
        every process; the audit changes recorded for them get their counts here."""
        if not self._pending:
            return
        now = self._pending_at
        ids = sorted(self._pending)
        rows = [{"b_id": i, "b_n": self._pending[i], "b_now": now} for i in ids]
        changes, self._pending_changes = self._pending_changes, {}
        self._pending.clear()
        connection = self._conn()
        counts = dict(
            connection.execute(
                select(alerts.c.id, alerts.c.count)
                .where(alerts.c.id.in_(ids))
                .order_by(alerts.c.id)
                .with_for_update()
            ).all()
        )
        with untracked(self.session):
            connection.execute(_ADD_COUNTS, rows)
        for alert_id, recorded in changes.items():
            count = int(counts.get(alert_id, 0))
            for change in recorded:
                change["before"] = {"count": count}
                count += 1
                change["after"] = {**change["after"], "count": count}

    def current(self, integration_id: int, fingerprint: str) -> Alert | None:
        """The alert that events with this fingerprint apply to, locked until commit."""
        row = (
            self._conn()
            .execute(
                select(alerts)
                .where(
                    alerts.c.integration_id == integration_id,
                    alerts.c.open_fingerprint == fingerprint,
                )
                .with_for_update()
            )
            .one_or_none()
        )
        return _alert(row) if row is not None else None

    def insert(self, alert: Alert, *, now: datetime) -> int | None:
        """Insert a new current alert; None if a concurrent writer inserted one first."""
        values = {name: getattr(alert, name) for name in _ALERT_FIELDS if name != "id"}
        values.update(
            status=str(alert.status),
            open_fingerprint=alert.fingerprint,
            incident_id=parse_ref(alert.incident_ref) if alert.incident_ref else None,
            created_at=now,
        )
        connection = self._conn()
        stmt = _INSERTS.get(connection.dialect.name)
        if stmt is None:  # built once per dialect, so it compiles once
            stmt = (
                _insert(self.session)(alerts)
                .on_conflict_do_nothing(index_elements=["integration_id", "open_fingerprint"])
                .returning(alerts.c.id)
            )
            _INSERTS[connection.dialect.name] = stmt
        # Recorded here, with the id it returns: the tracker would read the row twice.
        with untracked(self.session):
            value = connection.execute(stmt, values).scalar_one_or_none()
        if value is None:
            return None
        record_row(self.session, alerts, {**values, "id": int(value)})
        return int(value)

    def retire(self, alert_id: int) -> None:
        """A later occurrence takes over the fingerprint: this alert is history."""
        if self._open:
            self._forget(alert_id)
        self._conn().execute(
            update(alerts).where(alerts.c.id == alert_id).values(open_fingerprint=None)
        )

    def update(self, alert_id: int, **values: Any) -> None:
        if self._open and "status" in values:
            self._forget(alert_id)
        if "status" in values:
            values["status"] = str(values["status"])
        if "incident_ref" in values:
            ref = values.pop("incident_ref")
            values["incident_id"] = parse_ref(ref) if ref else None
        self._conn().execute(update(alerts).where(alerts.c.id == alert_id).values(**values))

    def repeat(self, alert_id: int, now: datetime) -> None:
        """Count one more firing of an open alert (the common case: one statement)."""
        self._conn().execute(
            update(alerts)
            .where(alerts.c.id == alert_id)
            .values(count=alerts.c.count + 1, last_seen_at=now)
        )

    def get(self, alert_id: int, *, lock: bool = False) -> Alert | None:
        stmt = select(alerts).where(alerts.c.id == alert_id)
        if lock:
            stmt = stmt.with_for_update()
        row = self._conn().execute(stmt).one_or_none()
        return _alert(row) if row is not None else None

    def open_for_incident(self, ref: str) -> list[Alert]:
        rows = self._conn().execute(
            select(alerts).where(
                alerts.c.incident_id == parse_ref(ref),
                alerts.c.status != str(AlertStatus.RESOLVED),
            )
        )
        return [_alert(r) for r in rows]

    def count_open(self) -> int:
        return int(
            self._conn()
            .execute(
                select(func.count())
                .select_from(alerts)
                .where(alerts.c.status != str(AlertStatus.RESOLVED))
            )
            .scalar_one()
        )

    def open_incident_for_service(self, service: str) -> str | None:
        """The newest incident of `service` still being worked on (not resolved or closed)."""
        value = (
            self._conn()
            .execute(
                select(incidents.c.id)
                .join(incident_services, incident_services.c.incident_id == incidents.c.id)
                .where(
                    incident_services.c.service == service,
                    incidents.c.stage.notin_([Stage.RESOLVED.value, Stage.CLOSED.value]),
                    # A drill is practice: real alerts never join it.
                    incidents.c.drill.is_(False),
                )
                .order_by(incidents.c.id.desc())
                .limit(1)
            )
            .scalar_one_or_none()
        )
        return f"INC-{value}" if value is not None else None
