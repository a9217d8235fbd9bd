"""A new incident written by statement (`adapters/statement_insert.py`) is stored, audited
and then tracked exactly as the ORM's flush stores, audits and tracks it.

Each test builds the same incident twice in one database, with every kind of child row a
new incident can hold (roles, checklist marks, stage arrival, clocks, follow-ups, an
experiment, a why, an affected customer and a contact logged with that customer, a
grandchild): once written by the flush (the statement path switched off), once by
statement. The rows of every table and the audited changes must be the same, up to the
incident's number and the rows' own ids.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fakes import ManualClock
from warroom.adapters import repository
from warroom.adapters.orm.base import mapper_registry
from warroom.adapters.statement_insert import insert_aggregate
from warroom.bootstrap import Warroom
from warroom.domain.customers import ContactMethod, ContactOutcome
from warroom.domain.enums import FollowUpKind, RoleName, Stage
from warroom.domain.incident import Incident
from warroom.service_layer.unit_of_work import SqlAlchemyUnitOfWork

CHILD_TABLES = (
    "role_assignments",
    "followups",
    "experiments",
    "whys",
    "checklist_marks",
    "checklist_stage_arrivals",
    "incident_clocks",
    "affected_customers",
    "timeline_entries",
    "incident_services",
)


def _build(wr: Warroom, uow: SqlAlchemyUnitOfWork, clock: ManualClock) -> Incident:
    policy, now = wr.policy, clock.now()
    incident, _ = Incident.declare(
        number=uow.incidents.next_number(),
        policy=policy,
        title="Logging in is broken",
        severity="sev1",
        by="alice",
        now=now,
        functionality="logging in",
        state="broken",
        audience="all users",
        services=("auth", "sso"),
        customers_affected=3,
    )
    incident.assign_role(RoleName.COMMANDER, "alice", policy=policy, by="alice", now=now)
    incident.assign_role(RoleName.WORKER, "bob", policy=policy, by="alice", now=now)
    incident.add_followup(
        "Add a second identity provider",
        kind=FollowUpKind.DURABLE_FIX,
        policy=policy,
        by="alice",
        now=now,
        owner="carol",
    )
    incident.start_experiment(
        "The identity provider drops requests",
        action="Fail over to the standby",
        policy=policy,
        by="bob",
        now=now,
        time_box_minutes=15,
    )
    incident.add_why("Tokens expired", policy=policy, by="alice", now=now)
    customer = incident.add_customer("Acme", policy=policy, by="alice", now=now, contact="ops@acme")
    incident.log_customer_contact(
        customer.number,
        method=ContactMethod.PHONE,
        outcome=ContactOutcome.REACHED,
        policy=policy,
        by="alice",
        now=now,
        note="They see the login error",
    )
    uow.incidents.add(incident)
    # The declaration's reactions, as the bus runs them: checklist marks, the stage
    # arrival, the update clocks.
    wr.bus._react(uow)
    return incident


def _declare(wr: Warroom, clock: ManualClock) -> tuple[int, list[dict[str, Any]]]:
    """Build the incident, write it as the unit of work writes a declaration, commit;
    its number and the audited changes."""
    with wr.bus.uow_factory() as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        incident = _build(wr, uow, clock)
        changes = uow.audit_changes()
        uow.commit()
        return incident.number, changes


def _rows(wr: Warroom, number: int) -> dict[str, list[dict[str, Any]]]:
    """Every column of the incident's rows in each table, with its number and the rows'
    own ids replaced by their order."""
    tables = mapper_registry.metadata.tables
    out: dict[str, list[dict[str, Any]]] = {}
    with wr.db.read.connect() as conn:
        row = conn.execute(select(tables["incidents"]).where(tables["incidents"].c.id == number))
        out["incidents"] = [{k: v for k, v in r._mapping.items() if k != "id"} for r in row]
        for name in CHILD_TABLES:
            table = tables[name]
            order = list(table.primary_key.columns)
            rows = conn.execute(
                select(table).where(table.c.incident_id == number).order_by(*order)
            ).all()
            out[name] = [
                {k: v for k, v in r._mapping.items() if k not in ("id", "incident_id")}
                for r in rows
            ]
        customers = tables["affected_customers"]
        contacts = tables["customer_contacts"]
        rows = conn.execute(
            select(contacts)
            .join(customers, contacts.c.customer_id == customers.c.id)
            .where(customers.c.incident_id == number)
            .order_by(contacts.c.id)
        ).all()
        out["customer_contacts"] = [
            {k: v for k, v in r._mapping.items() if k not in ("id", "customer_id")} for r in rows
        ]
    return out


def _normal(changes: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    """The changes with the incident's number and the rows' ids made positional (each
    row's rank among its table's ids)."""

    def split(target: str) -> tuple[str, str]:
        head, _, own = target.rpartition("/")
        return (head, own) if own.isdigit() else (target, "")

    owns: dict[str, set[int]] = {}
    for change in changes:
        _, own = split(str(change["target"]))
        if own:
            owns.setdefault(change["entity"], set()).add(int(own))
    rank = {entity: {v: i for i, v in enumerate(sorted(ids))} for entity, ids in owns.items()}
    out = []
    for change in changes:
        head, own = split(str(change["target"]))
        target = _strip(head, number) + (f"/#{rank[change['entity']][int(own)]}" if own else "")
        after = {k: v for k, v in change["after"].items() if k != "customer_id"}
        if change["entity"] == "incidents":
            after["number"] = "n"
        out.append({**change, "target": target, "after": _strip(after, number)})
    return sorted(out, key=lambda c: (c["entity"], c["target"]))


def _strip(value: Any, number: int) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v, number) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v, number) for v in value]
    if isinstance(value, str):
        return value.replace(f"INC-{number}", "INC-n")
    return value


def _flush_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repository, "insert_aggregate", lambda _session, _root: False)


def test_a_new_incident_is_stored_and_audited_as_the_flush_would(
    wr: Warroom, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        _flush_only(patch)
        by_flush, flush_changes = _declare(wr, clock)
    by_statement, statement_changes = _declare(wr, clock)
    assert (by_flush, by_statement) == (1, 2)
    flushed, stated = _rows(wr, by_flush), _rows(wr, by_statement)
    for name in ("incidents", *CHILD_TABLES, "customer_contacts"):
        assert _strip(stated[name], by_statement) == _strip(flushed[name], by_flush), name
    # Every kind of child row was there to compare.
    assert all(stated[name] for name in stated), [n for n in stated if not stated[n]]
    assert _normal(statement_changes, by_statement) == _normal(flush_changes, by_flush)


def test_the_written_objects_are_tracked_as_after_a_flush(
    wr: Warroom, clock: ManualClock, statements: list[str]
) -> None:
    with wr.bus.uow_factory() as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        incident = _build(wr, uow, clock)
        statements.clear()
        uow.audit_changes()
        written = list(statements)
        # Nothing was left for the flush: no INSERT of the aggregate came from it.
        session: Session = uow.session
        assert not session.new and not session.dirty
        assert incident in session and all(mark in session for mark in incident.checklist)
        # Changed later in the same transaction: an UPDATE of that row, audited as such.
        statements.clear()
        clock.advance(minutes=5)
        incident.change_stage(Stage.IDENTIFIED, policy=wr.policy, by="alice", now=clock.now())
        changes = uow.audit_changes()
        uow.commit()
    lower = [s.lower() for s in written]
    for name in ("incidents", "checklist_marks", "incident_clocks", "customer_contacts"):
        assert any(s.startswith(f"insert into {name} ") for s in lower), name
    assert any(s.lower().startswith("update incidents ") for s in statements)
    assert not any(s.lower().startswith("insert into incidents ") for s in statements)
    update = [c for c in changes if c["entity"] == "incidents" and c["op"] == "update"]
    assert update and update[0]["after"]["stage"] == "identified"
    with wr.db.read.connect() as conn:
        table = mapper_registry.metadata.tables["incidents"]
        stage = conn.execute(select(table.c.stage).where(table.c.id == incident.number))
        assert stage.scalar_one() == "identified"


def test_an_incident_a_query_has_flushed_is_not_written_again(
    wr: Warroom, clock: ManualClock
) -> None:
    with wr.bus.uow_factory() as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        incident = _build(wr, uow, clock)
        table = mapper_registry.metadata.tables["incidents"]
        uow.session.execute(select(Incident).where(table.c.id == incident.number)).all()
        assert not insert_aggregate(uow.session, incident)  # persistent already
        uow.audit_changes()
        uow.commit()
    assert _rows(wr, incident.number)["incidents"]
