"""On SQLite a declaration or a timeline note runs on the event loop, without a thread
pool hop, in its turn for the write slot; one that would have to wait for another
process's lock goes to a thread, and the slot is never left taken."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.conftest import Api
from warroom.adapters.orm.incidents import timeline_entries
from warroom.bootstrap import Warroom
from warroom.entrypoints.api import deps


@pytest.fixture(autouse=True)
def tokens_cached(api: Api) -> None:
    """The suite's apps verify every token (no cache); the note's lane serves only cached
    tokens. A client's first request (a declaration here) caches its token."""
    api.app.state.token_cache.ttl = 60


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What `run_write` sent to the thread pool."""
    sent: list[str] = []
    real = deps.run_in_threadpool  # type: ignore[attr-defined]

    async def counting(write: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        name = getattr(write, "__name__", repr(write))
        if name != "verify":  # an uncached token, verified in the pool too: not a write
            sent.append(name)
        return await real(write, *args, **kwargs)

    monkeypatch.setattr(deps, "run_in_threadpool", counting)
    return sent


def _declare(api: Api, title: str = "Logging in is broken") -> str:
    answer = api.responder.post("/api/v1/incidents", json={"title": title, "severity": "sev2"})
    assert answer.status_code == 201, answer.text
    ref: str = answer.json()["ref"]
    return ref


def _note(api: Api, ref: str, text: str) -> Any:
    return api.responder.post(f"/api/v1/incidents/{ref}/timeline", json={"text": text})


def _slot_free(wr: Warroom) -> bool:
    writers = wr.db.writers
    assert writers is not None
    if writers._lock.acquire(timeout=0):  # never waits: in line only if someone holds it
        writers._lock.release()
        return True
    return False


def _entries(wr: Warroom, text: str) -> int:
    with wr.db.read.connect() as conn:
        count = conn.scalar(
            select(func.count())
            .select_from(timeline_entries)
            .where(timeline_entries.c.text == text)
        )
    return int(count or 0)


def test_a_write_whose_slot_is_free_runs_without_a_thread(
    api: Api, wr: Warroom, hops: list[str]
) -> None:
    ref = _declare(api)
    assert _note(api, ref, "Emily found failing requests").status_code == 201  # the lane's
    _declare(api, "Search is slow")
    if wr.db.writers is None:  # PostgreSQL: every write waits on the network, in a thread
        assert hops == ["execute_outcome", "_write", "execute_outcome"]  # lane: `_write`
        return
    assert hops == []
    assert _entries(wr, "Emily found failing requests") == 1
    assert _slot_free(wr)


def test_a_write_behind_another_waits_its_turn_on_the_loop(
    api: Api, wr: Warroom, hops: list[str]
) -> None:
    if wr.db.writers is None:
        pytest.skip("the write slot is SQLite's")
    ref = _declare(api)
    assert _note(api, ref, "caches the token").status_code == 201
    held, go = threading.Event(), threading.Event()

    def hold() -> None:  # another thread's write transaction, open until `go`
        with wr.db.write.begin() as conn:
            conn.execute(select(1))
            held.set()
            go.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    answers: list[Any] = []
    writer = threading.Thread(target=lambda: answers.append(_note(api, ref, "behind")))
    writer.start()
    time.sleep(0.3)
    assert answers == []  # waiting in line for the slot
    go.set()
    holder.join(10)
    writer.join(10)
    assert answers[0].status_code == 201
    assert hops == []  # no thread: the loop awaited its turn
    assert _entries(wr, "behind") == 1
    assert _slot_free(wr)


def test_another_process_holding_the_lock_sends_the_write_to_a_thread(
    api: Api, wr: Warroom, hops: list[str]
) -> None:
    """Taken ahead, the slot's BEGIN does not wait in SQLite's busy handler (that would stop
    the event loop): it fails at once, nothing is written, and the write goes to a thread,
    which waits for the other process and writes once."""
    if wr.db.writers is None:
        pytest.skip("the write slot is SQLite's")
    ref = _declare(api)
    assert _note(api, ref, "caches the token").status_code == 201
    path = wr.db.write.url.database
    assert path
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as another process writing
    answers: list[Any] = []
    writer = threading.Thread(target=lambda: answers.append(_note(api, ref, "after the other")))
    writer.start()
    time.sleep(0.3)
    assert answers == []
    assert hops == ["_write"]
    other.execute("COMMIT")
    other.close()
    writer.join(30)
    assert answers[0].status_code == 201
    assert _entries(wr, "after the other") == 1
    assert _slot_free(wr)
    assert _note(api, ref, "and again on the loop").status_code == 201
    assert hops == ["_write"]


def test_a_refusal_before_any_write_gives_the_slot_back(api: Api, wr: Warroom) -> None:
    if wr.db.writers is None:
        pytest.skip("the write slot is SQLite's")
    ref = _declare(api)
    assert _note(api, ref, "caches the token").status_code == 201
    hidden = api.admin.post(
        "/api/v1/incidents",
        json={"title": "Leaked keys", "severity": "sev2", "visibility": "restricted"},
    ).json()["ref"]
    assert _note(api, hidden, "not a member").status_code == 404  # refused before BEGIN
    assert _slot_free(wr)
    assert _note(api, "INC-999", "no such incident").status_code == 404
    assert _slot_free(wr)
    assert api.responder.post("/api/v1/incidents", json={"severity": "sev2"}).status_code == 422
    assert _slot_free(wr)
