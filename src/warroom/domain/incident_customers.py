"""Affected customers on the incident: the list, the contact log and verification of the fix.

Timeline entries and events name a customer by its number only: the timeline is read by
viewers and the customers' names and contacts are not theirs to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from warroom.domain import checklist_events
from warroom.domain.customers import (
    AffectedCustomer,
    ContactMethod,
    ContactOutcome,
    CustomerContact,
    ReportChannel,
    Verification,
)
from warroom.domain.enums import EntryKind, RoleName
from warroom.domain.errors import InvalidInput, NotFound, RuleViolation
from warroom.domain.incident_roles import RolesMixin
from warroom.domain.policy import Policy
from warroom.domain.textcheck import check_text

CONTACT_LIMIT = 500
MAX_ANSWERS = 50
# Who may excuse a customer from confirming the fix (document 003: the liaison works the
# customer list; the commander owns the incident).
WAIVERS = (RoleName.LIAISON, RoleName.COMMANDER)


class CustomersMixin(RolesMixin):
    """Who is affected, every contact with them, and who confirmed the fix."""

    def customer(self, number: int) -> AffectedCustomer:
        for c in self.customers:
            if c.number == number:
                return c
        raise NotFound("customer", f"#{number} on {self.ref}")

    def customers_awaiting_confirmation(self) -> list[AffectedCustomer]:
        return [c for c in self.customers if c.awaiting_confirmation]

    def add_customer(
        self,
        name: str,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        contact: str = "",
        tier: str | None = None,
        reported_via: ReportChannel | None = None,
        occurred_at: datetime | None = None,
    ) -> AffectedCustomer:
        limits = policy.limits
        name = check_text("name", name, limits.title, required=True)
        contact = check_text("contact", contact, CONTACT_LIMIT)
        if tier is not None:
            tier = check_text("tier", tier, limits.name, required=True)
        at = self._when(occurred_at, now, policy, floor=False)
        customer = AffectedCustomer(
            number=len(self.customers) + 1,
            name=name,
            added_at=at,
            added_by=by,
            contact=contact,
            tier=tier,
            reported_via=reported_via,
        )
        self.customers.append(customer)
        how = f"reported via {reported_via}" if reported_via else "did not report"
        tier_text = f", tier {tier}" if tier else ""
        self._entry(
            EntryKind.SYSTEM,
            f"Affected customer #{customer.number} added ({how}{tier_text})",
            by,
            at,
            now,
            {"customer": customer.number},
        )
        self.events.append(
            checklist_events.CustomerAdded(
                ref=self.ref, number=customer.number, reported=customer.reported
            )
        )
        return customer

    def edit_customer(
        self, number: int, *, policy: Policy, by: str, now: datetime, **changes: object
    ) -> None:
        """Change name, contact, tier or how the customer reported (None: did not report)."""
        customer = self.customer(number)
        limits = policy.limits
        changed: list[str] = []
        for key, value in changes.items():
            if key == "name":
                if not isinstance(value, str):
                    raise InvalidInput("name", "must be text")
                value = check_text("name", value, limits.title, required=True)
            elif key == "contact":
                value = check_text("contact", str(value or ""), CONTACT_LIMIT)
            elif key == "tier":
                value = None if value is None else check_text("tier", str(value), limits.name)
                value = value or None
            elif key == "reported_via":
                value = None if value is None else _channel(value)
            else:
                raise InvalidInput(key, "is not an editable field of a customer")
            if getattr(customer, key) != value:
                setattr(customer, key, value)
                changed.append(key)
        if changed:
            self._entry(
                EntryKind.SYSTEM,
                f"Affected customer #{number} edited: {', '.join(changed)}",
                by,
                now,
                now,
                {"customer": number},
            )

    def log_customer_contact(
        self,
        number: int,
        *,
        method: ContactMethod,
        outcome: ContactOutcome,
        policy: Policy,
        by: str,
        now: datetime,
        note: str = "",
        answers: Sequence[tuple[str, str]] = (),
        occurred_at: datetime | None = None,
    ) -> CustomerContact:
        """Record a call, e-mail or message, with the questions asked and the answers."""
        customer = self.customer(number)
        note = check_text("note", note, policy.limits.text)
        if len(answers) > MAX_ANSWERS:
            raise InvalidInput("answers", f"at most {MAX_ANSWERS} questions per contact")
        cleaned = [
            {
                "question": check_text(
                    f"answers[{i}].question", q, policy.limits.text, required=True
                ),
                "answer": check_text(f"answers[{i}].answer", a, policy.limits.text),
            }
            for i, (q, a) in enumerate(answers)
        ]
        # A customer may have called before anyone here noticed: only the future is refused.
        at = self._when(occurred_at, now, policy, floor=False)
        contact = CustomerContact(
            at=at,
            by=by,
            method=method,
            outcome=outcome,
            recorded_at=now,
            note=note,
            answers=cleaned,
        )
        customer.contacts.append(contact)
        asked = f"; {len(cleaned)} questions answered" if cleaned else ""
        self._entry(
            EntryKind.SYSTEM,
            f"Customer #{number} contacted by {method}: {outcome}{asked}",
            by,
            at,
            now,
            {"customer": number, "method": method, "outcome": outcome},
        )
        self.events.append(
            checklist_events.CustomerContacted(
                ref=self.ref, number=number, method=method, outcome=outcome, occurred_at=at
            )
        )
        return contact

    def set_customer_verification(
        self,
        number: int,
        status: Verification,
        *,
        policy: Policy,
        by: str,
        now: datetime,
        note: str = "",
        occurred_at: datetime | None = None,
    ) -> None:
        """The customer confirms the fix; or a liaison/commander waives it with a reason."""
        customer = self.customer(number)
        note = check_text("note", note, policy.limits.text)
        if customer.verification is status:
            raise RuleViolation("customers.verification_same", f"customer #{number} is {status}")
        if status is Verification.WAIVED:
            if not note:
                raise RuleViolation("customers.waive_reason", "a waiver needs a reason")
            allowed = {p for role in WAIVERS for p in self.holders(role)}
            if by not in allowed:
                raise RuleViolation(
                    "customers.waive_role",
                    f"only the liaison or the commander of {self.ref} may waive a customer's "
                    f"confirmation; {by} is neither",
                )
        at = self._when(occurred_at, now, policy)
        was_waiting = bool(self.customers_awaiting_confirmation())
        customer.verification, customer.verification_note = status, note
        customer.verified_at = None if status is Verification.PENDING else at
        customer.verified_by = None if status is Verification.PENDING else by
        text = {
            Verification.CONFIRMED: f"Customer #{number} confirms the fix",
            Verification.WAIVED: f"Customer #{number}: confirmation waived by {by}",
            Verification.PENDING: f"Customer #{number}: confirmation of the fix reopened",
        }[status]
        self._entry(EntryKind.SYSTEM, text, by, at, now, {"customer": number, "status": status})
        self.events.append(
            checklist_events.CustomerVerificationChanged(
                ref=self.ref, number=number, status=status, by=by, occurred_at=at
            )
        )
        if was_waiting and not self.customers_awaiting_confirmation():
            self.events.append(checklist_events.CustomersVerified(ref=self.ref, occurred_at=at))


def _channel(value: object) -> ReportChannel:
    try:
        return ReportChannel(str(value))
    except ValueError:
        allowed = ", ".join(c.value for c in ReportChannel)
        raise InvalidInput("reported_via", f"{value!r} is not one of {allowed}") from None
