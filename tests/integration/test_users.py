"""Users and their tokens on both databases: passwords, rehashing, disabling, scopes."""

from __future__ import annotations

import time

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select

from warroom.adapters.orm.audit import audit_log
from warroom.adapters.orm.auth import users
from warroom.adapters.users import UserStore
from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole
from warroom.domain.errors import InvalidInput, RuleViolation

PASSWORD = "a long enough password"


def test_password_sign_in_and_uniform_failures(wr: Warroom) -> None:
    now = wr.clock.now()
    alice = wr.users.create(handle="Alice", role=AccessRole.RESPONDER, now=now, password=PASSWORD)
    assert alice.handle == "alice" and alice.has_password
    signed = wr.users.authenticate("alice", PASSWORD, now)
    assert signed is not None and signed.id == alice.id
    assert wr.users.authenticate("alice", PASSWORD + "!", now) is None
    assert wr.users.authenticate("nobody", PASSWORD, now) is None
    wr.users.disable("alice", now)
    assert wr.users.authenticate("alice", PASSWORD, now) is None
    wr.users.enable("alice")
    assert wr.users.authenticate("alice", PASSWORD, now) is not None
    with pytest.raises(RuleViolation):
        wr.users.create(handle="alice", role=AccessRole.VIEWER, now=now, password=PASSWORD)
    with pytest.raises(InvalidInput) as short:
        wr.users.create(handle="bob", role=AccessRole.VIEWER, now=now, password="short")
    assert short.value.field == "password"
    with pytest.raises(InvalidInput) as bad:
        wr.users.create(handle="../x", role=AccessRole.VIEWER, now=now)
    assert bad.value.field == "handle"


def test_unknown_user_costs_a_hash_like_a_wrong_password(wr: Warroom) -> None:
    now = wr.clock.now()
    wr.users.create(handle="alice", role=AccessRole.VIEWER, now=now, password=PASSWORD)
    wr.users.authenticate("nobody", "warm-up", now)  # the dummy hash is made once

    def timed(handle: str) -> float:
        start = time.perf_counter()
        for _ in range(3):
            assert wr.users.authenticate(handle, "wrong password", now) is None
        return time.perf_counter() - start

    unknown, wrong = timed("nobody"), timed("alice")
    # Both verify one argon2 hash; without the dummy, an unknown user would cost ~nothing.
    assert unknown > 0.3 * wrong, (unknown, wrong)


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(wr: Warroom) -> None:
    now = wr.clock.now()
    weak = UserStore(
        wr.db.write,
        PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8192),)),
        writes=wr.users.writes,
    )
    weak.create(handle="carol", role=AccessRole.VIEWER, now=now, password=PASSWORD)
    stored = _hash(wr, "carol")
    assert "t=1" in stored
    assert wr.users.authenticate("carol", PASSWORD, now) is not None  # today's parameters
    renewed = _hash(wr, "carol")
    assert renewed != stored and "t=1," not in renewed
    assert wr.users.authenticate("carol", PASSWORD, now) is not None
    assert _hash(wr, "carol") == renewed  # no rehash when nothing changed
    # The rehash is audited once, with both hashes hidden.
    with wr.db.read.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.command == "RehashPassword")).all()
    assert len(rows) == 1 and rows[0].actor == "warroom" and rows[0].fields == {"handle": "carol"}
    (change,) = rows[0].changes
    assert change["entity"] == "users" and change["before"]["password_hash"] == "[redacted]"
    assert change["after"]["password_hash"] == "[redacted]"
    assert stored not in str(rows[0]) and renewed not in str(rows[0])


def _hash(wr: Warroom, handle: str) -> str:
    with wr.db.write.connect() as conn:
        row = conn.execute(select(users.c.password_hash).where(users.c.handle == handle)).one()
    return str(row.password_hash)


def test_a_users_token_never_exceeds_the_user(wr: Warroom) -> None:
    now = wr.clock.now()
    dave = wr.users.create(handle="dave", role=AccessRole.RESPONDER, now=now, password=PASSWORD)
    token, record = wr.tokens.create(
        name="dave-laptop", role=AccessRole.ADMIN, now=now, user_id=dave.id
    )
    assert record.user == "dave"
    principal = wr.tokens.verify(token, now)
    assert principal is not None
    assert (principal.name, principal.role, principal.user_id) == ("dave", "responder", dave.id)
    read_only, _ = wr.tokens.create(name="ro", role=AccessRole.VIEWER, now=now, user_id=dave.id)
    ro = wr.tokens.verify(read_only, now)
    assert ro is not None and ro.role is AccessRole.VIEWER
    wr.users.set_role("dave", AccessRole.VIEWER)
    demoted = wr.tokens.verify(token, now)
    assert demoted is not None and demoted.role is AccessRole.VIEWER
    wr.users.disable("dave", now)
    assert wr.tokens.verify(token, now) is None
    assert [r.user for r in wr.tokens.list(user_id=dave.id)] == ["dave", "dave"]


def test_sso_users_are_made_once_with_a_free_handle(wr: Warroom) -> None:
    now = wr.clock.now()
    wr.users.create(handle="erin", role=AccessRole.ADMIN, now=now, password=PASSWORD)
    first = wr.users.sso_login(
        issuer="https://id.example",
        subject="s-1",
        handle_hint="Erin",
        name="Erin SSO",
        email="erin@example.org",
        default_role=AccessRole.VIEWER,
        now=now,
    )
    assert first is not None
    assert first.handle == "erin2" and first.role is AccessRole.VIEWER  # never taken over
    again = wr.users.sso_login(
        issuer="https://id.example",
        subject="s-1",
        handle_hint="other",
        name=None,
        email=None,
        default_role=AccessRole.ADMIN,
        now=now,
    )
    assert again is not None and again.id == first.id and again.role is AccessRole.VIEWER
