"""People who sign in: passwords (argon2 through pwdlib) and single sign-on identities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from warroom.adapters.audit_log import AuditedWrites
from warroom.adapters.orm.auth import console_sessions, users
from warroom.domain.access import AccessRole
from warroom.domain.errors import InvalidInput, NotFound, RuleViolation

HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1000


@dataclass(frozen=True)
class User:
    id: int
    handle: str
    name: str
    email: str | None
    role: AccessRole
    oidc_issuer: str | None
    oidc_subject: str | None
    created_at: datetime
    last_login_at: datetime | None
    disabled_at: datetime | None
    has_password: bool

    @property
    def active(self) -> bool:
        return self.disabled_at is None


def _user(row: Any) -> User:
    return User(
        id=row.id,
        handle=row.handle,
        name=row.name,
        email=row.email,
        role=AccessRole(row.role),
        oidc_issuer=row.oidc_issuer,
        oidc_subject=row.oidc_subject,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        disabled_at=row.disabled_at,
        has_password=row.password_hash is not None,
    )


def _refusal(row: Any, valid: bool) -> str | None:
    """Why a password sign-in is refused (for the audit log only; the answer is the same)."""
    if row is None:
        return "unknown user"
    if row.password_hash is None:
        return "no password"
    if not valid:
        return "wrong password"
    if row.disabled_at is not None:
        return "disabled"
    return None


def check_handle(handle: str) -> str:
    handle = handle.strip().lower()
    if not HANDLE.match(handle):
        raise InvalidInput(
            "handle", "must be 1 to 100 of a-z, 0-9, '.', '_' or '-', starting with a letter/digit"
        )
    return handle


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput("password", f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


class UserStore:
    """Every write is audited (`AuditedWrites`): creation, role, password, disabling,
    enabling, provisioning by single sign-on, and refused sign-ins."""

    def __init__(
        self, engine: Engine, hasher: PasswordHash | None = None, *, writes: AuditedWrites
    ) -> None:
        self.engine = engine
        self.writes = writes
        self.hasher = hasher or PasswordHash((Argon2Hasher(),))

    @cached_property
    def _dummy(self) -> str:
        # Verified against when the handle is unknown, so both failures cost the same.
        return self.hasher.hash("warroom-no-such-user")

    def create(
        self,
        *,
        handle: str,
        role: AccessRole,
        now: datetime,
        name: str | None = None,
        email: str | None = None,
        password: str | None = None,
        oidc_issuer: str | None = None,
        oidc_subject: str | None = None,
    ) -> User:
        """Add a user; the handle is what incidents' roles and the timeline name them by."""
        handle = check_handle(handle)
        hashed = self.hasher.hash(check_password(password)) if password is not None else None
        values = {
            "handle": handle,
            "name": (name or handle).strip()[:200] or handle,
            "email": email,
            "role": str(role),
            "password_hash": hashed,
            "oidc_issuer": oidc_issuer,
            "oidc_subject": oidc_subject,
            "created_at": now,
        }
        fields = {k: v for k, v in values.items() if k not in ("password_hash", "created_at")}
        command = "ProvisionUser" if oidc_subject is not None else "CreateUser"
        try:
            # A user provisioned at their first sign-in is their own actor.
            actor = handle if oidc_subject is not None else None
            with self.writes.begin(command, fields, actor=actor) as conn:
                user_id = conn.execute(
                    insert(users).values(**values).returning(users.c.id)
                ).scalar_one()
        except IntegrityError:
            raise RuleViolation("users.unique", f"a user {handle!r} already exists") from None
        found = self.get(user_id)
        assert found is not None
        return found

    def get(self, user_id: int) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).one_or_none()
        return _user(row) if row else None

    def by_handle(self, handle: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).where(users.c.handle == handle.strip().lower())
            ).one_or_none()
        return _user(row) if row else None

    def list(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.handle))]

    def authenticate(self, handle: str, password: str, now: datetime) -> User | None:
        """The user if the password is right; rehashes when the hash parameters changed.

        Unknown handles, disabled users and wrong passwords all cost one hash verification
        and give the same None, so neither the answer nor its timing tells them apart.
        """
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).where(users.c.handle == handle.strip().lower())
            ).one_or_none()
        stored = row.password_hash if row is not None else None
        valid, new_hash = self.hasher.verify_and_update(
            password[:MAX_PASSWORD], stored or self._dummy
        )
        refused = _refusal(row, valid)
        if row is None or refused is not None:
            self.sign_in_refused(handle, refused or "unknown user", method="password")
            return None
        if new_hash is not None:  # the password itself is unchanged: audited, kept hidden
            with self.writes.begin("RehashPassword", {"handle": row.handle}) as conn:
                conn.execute(
                    update(users)
                    .where(users.c.id == row.id)
                    .values(password_hash=new_hash, last_login_at=now)
                )
        else:  # bookkeeping, like a session's last_seen_at; the sign-in is audited as SignIn
            with self.engine.begin() as conn:
                conn.execute(update(users).where(users.c.id == row.id).values(last_login_at=now))
        return _user(row)

    def sign_in_refused(self, handle: str, reason: str, *, method: str) -> None:
        """Record a refused sign-in (the login rate limit bounds how many get here)."""
        self.writes.record(
            "SignInRefused", {"handle": handle[:200], "reason": reason[:500], "method": method}
        )

    def set_password(self, handle: str, password: str) -> None:
        hashed = self.hasher.hash(check_password(password))
        self._update("SetPassword", {"handle": handle}, handle, password_hash=hashed)

    def set_role(self, handle: str, role: AccessRole) -> None:
        self._update("SetUserRole", {"handle": handle, "role": role}, handle, role=str(role))

    def disable(self, handle: str, now: datetime) -> None:
        """Disable a user: sign-in refused, their sessions ended, their tokens stop working."""
        with self.writes.begin("DisableUser", {"handle": handle}) as conn:
            user_id = conn.execute(
                select(users.c.id).where(users.c.handle == handle.strip().lower())
            ).scalar_one_or_none()
            if user_id is None:
                raise NotFound("user", handle)
            conn.execute(update(users).where(users.c.id == user_id).values(disabled_at=now))
            conn.execute(
                update(console_sessions)
                .where(console_sessions.c.user_id == user_id, console_sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )

    def enable(self, handle: str) -> None:
        self._update("EnableUser", {"handle": handle}, handle, disabled_at=None)

    def _update(self, command: str, fields: dict[str, Any], handle: str, **values: Any) -> None:
        with self.writes.begin(command, fields) as conn:
            done = conn.execute(
                update(users).where(users.c.handle == handle.strip().lower()).values(**values)
            ).rowcount
            if not done:  # raised inside: nothing commits, no audit row
                raise NotFound("user", handle)

    def sso_login(
        self,
        *,
        issuer: str,
        subject: str,
        handle_hint: str,
        name: str | None,
        email: str | None,
        default_role: AccessRole,
        now: datetime,
    ) -> User | None:
        """The user of an SSO identity, made on first sign-in; None if disabled."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(users).where(users.c.oidc_issuer == issuer, users.c.oidc_subject == subject)
            ).one_or_none()
        if row is None:
            user = self._provision(
                issuer=issuer,
                subject=subject,
                handle_hint=handle_hint,
                name=name,
                email=email,
                role=default_role,
                now=now,
            )
        else:
            user = _user(row)
        if not user.active:
            return None
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == user.id).values(last_login_at=now))
        return user

    def _provision(
        self,
        *,
        issuer: str,
        subject: str,
        handle_hint: str,
        name: str | None,
        email: str | None,
        role: AccessRole,
        now: datetime,
    ) -> User:
        base = re.sub(r"[^a-z0-9._-]", "", handle_hint.lower())[:90] or "user"
        if not base[0].isalnum():
            base = "u" + base
        for n in range(100):
            handle = base if n == 0 else f"{base}{n + 1}"
            if self.by_handle(handle) is not None:
                continue
            try:
                return self.create(
                    handle=handle,
                    role=role,
                    now=now,
                    name=name,
                    email=email,
                    oidc_issuer=issuer,
                    oidc_subject=subject,
                )
            except RuleViolation:
                continue  # taken at the same moment by another sign-in
        raise RuleViolation("users.unique", f"no free handle for {handle_hint!r}")
