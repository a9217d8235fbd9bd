"""Affected customers: the list, the contact log and verification of the fix.

Customers' names and contacts are personal data: every route here, reads included, is
for responders and admins only. Viewers may read the incident but not this list; the
timeline, events and gate messages name customers by number only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request

from warroom.domain import checklist_commands as cc
from warroom.domain.access import Permission, Principal
from warroom.entrypoints.api import schemas_checklists as s
from warroom.entrypoints.api.deps import (
    Idempotency,
    WarroomDep,
    current_principal,
    execute,
    require,
)
from warroom.entrypoints.api.openapi import ALL, MISSING
from warroom.entrypoints.api.responses import JSONBytes
from warroom.service_layer.customers_view import customers_view
from warroom.service_layer.views import load_incident

router = APIRouter(prefix="/incidents/{ref}/customers", tags=["affected customers"])


_write = require(Permission.WRITE)


async def responder_only(
    request: Request,
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    # Reads too need the right to write on the incident (the common check, so a
    # restricted incident stays hidden and an incident role widens it).
    try:
        return await _write(request, principal)
    except HTTPException as exc:
        if exc.status_code != 403:
            raise
        raise HTTPException(
            403,
            "affected customers and their contacts are personal data: only responders "
            "and admins may read or change them",
        ) from None


Responder = Annotated[Principal, Depends(responder_only)]


def _customers(wr: WarroomDep, ref: str) -> dict[str, Any]:
    with wr.read_session() as session:
        return customers_view(load_incident(session, ref), wr.policy)


@router.get("", response_model=s.CustomersPublic, responses=MISSING)
def list_customers(ref: str, wr: WarroomDep, who: Responder) -> JSONBytes:
    """Every affected customer with the contact log, and where verification stands."""
    return JSONBytes(_customers(wr, ref))


@router.post("", status_code=201, response_model=s.CustomersPublic, responses=ALL)
def add_customer(
    ref: str, body: s.CustomerCreate, wr: WarroomDep, who: Responder, key: Idempotency
) -> JSONBytes:
    """Add an affected customer: name or id, contact, tier and how they reported."""
    command = cc.AddCustomer(
        ref=ref,
        name=body.name,
        by=who.name,
        contact=body.contact,
        tier=body.tier,
        reported_via=body.reported_via,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _customers(wr, r["ref"]), status_code=201)


@router.patch("/{number}", response_model=s.CustomersPublic, responses=ALL)
def edit_customer(
    ref: str, number: int, body: s.CustomerUpdate, wr: WarroomDep, who: Responder
) -> JSONBytes:
    """Change a customer's name, contact, tier or how they reported (null: did not)."""
    command = cc.EditCustomer(
        ref=ref, number=number, by=who.name, changes=body.model_dump(exclude_unset=True)
    )
    return execute(wr, command, None, lambda r: _customers(wr, r["ref"]))


@router.post("/{number}/contacts", status_code=201, response_model=s.CustomersPublic, responses=ALL)
def log_contact(
    ref: str,
    number: int,
    body: s.ContactCreate,
    wr: WarroomDep,
    who: Responder,
    key: Idempotency,
) -> JSONBytes:
    """Log a call, e-mail or message: reached or not, the questions asked and the answers."""
    command = cc.LogCustomerContact(
        ref=ref,
        number=number,
        method=body.method,
        outcome=body.outcome,
        by=who.name,
        note=body.note,
        answers=tuple((a.question, a.answer) for a in body.answers),
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _customers(wr, r["ref"]), status_code=201)


@router.post("/{number}/verification", response_model=s.CustomersPublic, responses=ALL)
def set_verification(
    ref: str,
    number: int,
    body: s.VerificationUpdate,
    wr: WarroomDep,
    who: Responder,
    key: Idempotency,
) -> JSONBytes:
    """The customer confirms the fix, or the liaison/commander waives it with a reason."""
    command = cc.SetCustomerVerification(
        ref=ref,
        number=number,
        status=body.status,
        by=who.name,
        note=body.note,
        occurred_at=body.occurred_at,
    )
    return execute(wr, command, key, lambda r: _customers(wr, r["ref"]))
