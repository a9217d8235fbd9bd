"""The permission map: access roles, incident roles, restricted incidents."""

from __future__ import annotations

import pytest

from tests.unit.helpers import T0, declare
from warroom.domain.access import (
    AccessRole,
    Decision,
    IncidentAccess,
    Permission,
    Principal,
    capped,
    decide,
)
from warroom.domain.enums import Visibility
from warroom.domain.policy import Policy

VIEWER = Principal("victor", AccessRole.VIEWER)
RESPONDER = Principal("emily", AccessRole.RESPONDER)
ADMIN = Principal("root", AccessRole.ADMIN)


def _on(
    visibility: Visibility, roles: tuple[str, ...] = (), member: bool = False
) -> IncidentAccess:
    return IncidentAccess(visibility=visibility, roles=roles, member=member)


@pytest.mark.parametrize(
    ("principal", "permission", "incident", "expected"),
    [
        (VIEWER, Permission.READ, None, Decision.ALLOWED),
        (VIEWER, Permission.WRITE, None, Decision.DENIED),
        (RESPONDER, Permission.WRITE, None, Decision.ALLOWED),
        (RESPONDER, Permission.ADMIN, None, Decision.DENIED),
        (ADMIN, Permission.ADMIN, None, Decision.ALLOWED),
        # incident roles add rights on that incident: working roles write
        (VIEWER, Permission.WRITE, _on(Visibility.INTERNAL, ("commander",)), Decision.ALLOWED),
        (VIEWER, Permission.WRITE, _on(Visibility.INTERNAL, ("liaison",)), Decision.ALLOWED),
        (VIEWER, Permission.WRITE, _on(Visibility.INTERNAL, ("observer",)), Decision.DENIED),
        (VIEWER, Permission.WRITE, _on(Visibility.INTERNAL, ("executive",)), Decision.DENIED),
        (VIEWER, Permission.ADMIN, _on(Visibility.INTERNAL, ("commander",)), Decision.DENIED),
        # restricted: members, role holders and admins only; others are told "not found"
        (VIEWER, Permission.READ, _on(Visibility.RESTRICTED), Decision.HIDDEN),
        (RESPONDER, Permission.WRITE, _on(Visibility.RESTRICTED), Decision.HIDDEN),
        (ADMIN, Permission.READ, _on(Visibility.RESTRICTED), Decision.ALLOWED),
        (VIEWER, Permission.READ, _on(Visibility.RESTRICTED, member=True), Decision.ALLOWED),
        (VIEWER, Permission.WRITE, _on(Visibility.RESTRICTED, member=True), Decision.DENIED),
        (VIEWER, Permission.READ, _on(Visibility.RESTRICTED, ("observer",)), Decision.ALLOWED),
        (RESPONDER, Permission.WRITE, _on(Visibility.RESTRICTED, member=True), Decision.ALLOWED),
    ],
)
def test_decide(
    principal: Principal,
    permission: Permission,
    incident: IncidentAccess | None,
    expected: Decision,
) -> None:
    assert decide(principal, permission, incident) is expected


def test_a_scope_is_capped_by_the_role() -> None:
    assert capped(AccessRole.ADMIN, AccessRole.RESPONDER) is AccessRole.RESPONDER
    assert capped(AccessRole.VIEWER, AccessRole.ADMIN) is AccessRole.VIEWER


def test_the_policy_restricts_security_incidents(standard: Policy) -> None:
    assert "security" in standard.restricted_services
    chosen = declare(standard, services=("security", "auth"), visibility=Visibility.INTERNAL)
    assert chosen.visibility is Visibility.RESTRICTED  # the policy wins over the choice
    plain = declare(standard, number=2, services=("auth",))
    assert plain.visibility is Visibility.INTERNAL
    plain.edit(policy=standard, by="emily", now=T0, services=["auth", "security"])
    assert plain.visibility is Visibility.RESTRICTED
    assert "visibility=restricted" in plain.new_entries[-1].text
