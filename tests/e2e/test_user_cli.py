"""`warroom user …` and `warroom token …` on the database directly, as on a fresh install."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tests.fakes import ManualClock
from warroom.adapters.policy_file import load_policy
from warroom.bootstrap import bootstrap
from warroom.config import Settings
from warroom.entrypoints.cli.main import app as cli_app

PASSWORD = "a long enough password"


def test_users_and_tokens_from_the_command_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("WARROOM_DEV", "1")
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
        result = runner.invoke(cli_app, list(args), input=stdin, catch_exceptions=False)
        return result.exit_code, result.output

    assert (
        run("user", "create", "alice", "--role", "admin", stdin=f"{PASSWORD}\n{PASSWORD}\n")[0] == 0
    )
    code, out = run("user", "create", "bob", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "bob (viewer)" in out
    assert run("user", "create", "bob", "--password-stdin", stdin=PASSWORD + "\n")[0] == 1
    code, out = run("user", "create", "carol", "--role", "boss", "--no-password")
    assert code == 2 and "--role" in out
    code, out = run("user", "create", "dan", "--password-stdin", stdin="short\n")
    assert code == 2 and "--password" in out
    assert run("user", "passwd", "bob", "--password-stdin", stdin="another long password\n")[0] == 0
    code, out = run(
        "token", "create", "--role", "admin", "--name", "bob-cli", "--user", "bob", "--json"
    )
    assert code == 0
    made = json.loads(out)
    code, out = run("token", "list", "--json")
    listed = json.loads(out)
    assert [(t["name"], t["user"]) for t in listed] == [("bob-cli", "bob")]
    assert made["token"] not in out  # never shown again
    assert run("user", "disable", "bob")[0] == 0
    assert run("user", "disable", "nobody")[0] == 2

    wr = bootstrap(
        Settings(database_url=sqlite_url, dev=True),
        clock=ManualClock(),
        policy=load_policy("standard"),
        migrate=False,
    )
    try:
        now = wr.clock.now()
        assert wr.users.authenticate("alice", PASSWORD, now) is not None
        assert wr.users.authenticate("bob", "another long password", now) is None  # disabled
        assert wr.tokens.verify(made["token"], now) is None  # and so are bob's tokens
    finally:
        wr.close()
    assert run("token", "revoke", str(made["id"]))[0] == 0
    assert run("token", "revoke", str(made["id"]))[0] == 2
