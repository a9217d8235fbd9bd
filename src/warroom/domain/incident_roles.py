"""Incident roles: assignment, hand-off, release and the policy's role rules."""

from __future__ import annotations

from datetime import datetime

from warroom.domain import events
from warroom.domain.enums import EntryKind, RoleName
from warroom.domain.errors import NotFound, RuleViolation
from warroom.domain.incident_base import IncidentState
from warroom.domain.policy import Policy, RoleRuleKind
from warroom.domain.roles import SINGLE_HOLDER, RoleAssignment
from warroom.domain.textcheck import check_text


class RolesMixin(IncidentState):
    """Who does what on the incident."""

    # -- roles ----------------------------------------------------------------------------

    def holders(self, role: RoleName) -> list[str]:
        return [a.person for a in self.roles if a.role is role and a.active]

    def roles_of(self, person: str) -> list[RoleName]:
        return [a.role for a in self.roles if a.person == person and a.active]

    def missing_roles(self, policy: Policy) -> list[str]:
        required = policy.severity(self.severity).required_roles
        return [str(r) for r in required if not self.holders(r)]

    def role_conflicts(self, policy: Policy) -> list[str]:
        """Rule breaches among the current holders (e.g. after a severity change)."""
        out: list[str] = []
        for rule in policy.role_rules:
            if rule.kind is not RoleRuleKind.EXCLUSIVE or not rule.applies_to(self.severity):
                continue
            people: dict[str, list[str]] = {}
            for role in rule.roles:
                for person in self.holders(role):
                    people.setdefault(person, []).append(str(role))
            out.extend(
                f"{rule.name}: {p} holds {' and '.join(rs)}"
                for p, rs in people.items()
                if len(rs) > 1
            )
        return out

    def assign_role(
        self,
        role: RoleName,
        person: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        """Give `person` the role; a single-holder role is handed off from its holder."""
        self._require_open("assign roles")
        person = check_text("person", person, policy.limits.name, required=True)
        if person in self.holders(role):
            raise RuleViolation("roles.already", f"{person} is already {role} on {self.ref}")
        for rule in policy.role_rules:
            if rule.kind is RoleRuleKind.EXCLUSIVE and rule.applies_to(self.severity):
                if role not in rule.roles:
                    continue
                clash = [r for r in self.roles_of(person) if r in rule.roles and r is not role]
                if clash:
                    raise RuleViolation(
                        f"role_rules.{rule.name}",
                        f"{person} is {clash[0]} on {self.ref} and may not also be {role} "
                        f"at {self.severity}"
                        + (f" ({rule.description})" if rule.description else ""),
                    )
        at = self._when(occurred_at, now, policy)
        replaced = None
        if role in SINGLE_HOLDER:
            for current in self.roles:
                if current.role is role and current.active:
                    current.released_at, current.released_by = at, by
                    replaced = current.person
        self.roles.append(RoleAssignment(role=role, person=person, assigned_at=at, assigned_by=by))
        if self.acknowledged_at is None and role in {RoleName.COMMANDER, RoleName.WORKER}:
            self.acknowledged_at = at
        if replaced:
            text = f"{role} handed off from {replaced} to {person}"
        else:
            text = f"{person} is {role}"
        self._entry(
            EntryKind.ROLE_CHANGE,
            text,
            by,
            at,
            now,
            {"role": role, "person": person, "replaced": replaced},
        )
        self.events.append(
            events.RoleAssigned(
                ref=self.ref, role=role, person=person, replaced=replaced, by=by, occurred_at=at
            )
        )

    def release_role(
        self,
        role: RoleName,
        person: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        occurred_at: datetime | None = None,
    ) -> None:
        """Release a person from a role (relief of a tired worker, no longer needed)."""
        at = self._when(occurred_at, now, policy)
        active = [a for a in self.roles if a.role is role and a.person == person and a.active]
        if not active:
            raise NotFound("role assignment", f"{role} {person} on {self.ref}")
        for assignment in active:
            assignment.released_at, assignment.released_by = at, by
        self._entry(
            EntryKind.ROLE_CHANGE,
            f"{person} released from {role}",
            by,
            at,
            now,
            {"role": role, "person": person, "released": True},
        )
        self.events.append(
            events.RoleReleased(ref=self.ref, role=role, person=person, by=by, occurred_at=at)
        )

    def acknowledge(
        self, *, policy: Policy, by: str, now: datetime, occurred_at: datetime | None = None
    ) -> None:
        if self.acknowledged_at is not None:
            raise RuleViolation("acknowledge.already", f"{self.ref} is already acknowledged")
        at = self._when(occurred_at, now, policy)
        self.acknowledged_at = at
        self._entry(EntryKind.SYSTEM, f"Acknowledged by {by}", by, at, now, {"ack": True})
