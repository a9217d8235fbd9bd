"""Errors the domain raises; entry points map them to HTTP statuses and exit codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a command could not be carried out."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value is malformed or out of range; names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFound(DomainError):
    """The named thing does not exist."""

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class RuleViolation(DomainError):
    """The process forbids this; `rule` names the policy rule or state-machine rule."""

    def __init__(self, rule: str, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.details = details or []


class GateBlocked(RuleViolation):
    """A stage transition is held back by one or more policy gates."""

    def __init__(self, target: str, failures: list[tuple[str, str]]) -> None:
        names = ", ".join(name for name, _ in failures)
        reasons = "; ".join(f"{name}: {why}" for name, why in failures)
        super().__init__(
            f"gates.{names}",
            f"cannot move to {target}: {reasons}",
            details=[f"{name}: {why}" for name, why in failures],
        )
        self.target = target
        self.failures = failures


class DuplicateSuspected(DomainError):
    """Declaring would likely duplicate an open incident."""

    def __init__(self, candidates: list[dict[str, object]]) -> None:
        refs = ", ".join(str(c["ref"]) for c in candidates)
        super().__init__(f"possible duplicate of open incident(s) {refs}; use force to declare")
        self.candidates = candidates
