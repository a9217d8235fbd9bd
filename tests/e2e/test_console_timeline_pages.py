"""A long timeline: the page shows the newest entries, older ones load a page at a time."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.conftest import Api
from tests.fakes import ManualClock
from tests.support.console import ConsoleClient
from warroom import queries
from warroom.bootstrap import Warroom
from warroom.domain import commands as c
from warroom.domain.enums import EntryKind
from warroom.entrypoints.web.console_incident import TIMELINE_PAGE

OLDER = re.compile(r'hx-get="([^"]+/timeline/older\?[^"]+)"')


@pytest.fixture
def responder(api: Api, wr: Warroom) -> Iterator[ConsoleClient]:
    client = ConsoleClient(api.app, wr, "responder", "alice")
    yield client
    client.close()


def entry_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="entry-(\d+)"', page)]


def test_older_entries_load_a_page_at_a_time(
    responder: ConsoleClient, wr: Warroom, clock: ManualClock
) -> None:
    ref = str(
        wr.bus.handle(c.DeclareIncident(title="Slow search", severity="sev3", by="alice"))["ref"]
    )
    total = 2 * TIMELINE_PAGE + 30
    for n in range(total):
        clock.advance(seconds=30)
        # Every fifth note is written late, so true-time order differs from id order.
        late = clock.now() - timedelta(minutes=10) if n % 5 == 0 else None
        kind = EntryKind.HYPOTHESIS if n % 3 == 0 else EntryKind.NOTE
        wr.bus.handle(
            c.AddTimelineEntry(ref=ref, kind=kind, text=f"entry {n}", by="bob", occurred_at=late)
        )
    with wr.db.read.connect() as conn:
        everything = queries.timeline(conn, int(ref.split("-")[1]), limit=10_000)
    newest_first = [e["id"] for e in reversed(everything)]

    page = responder.get(f"/incidents/{ref}").text
    shown = entry_ids(page)
    assert shown == newest_first[:TIMELINE_PAGE]
    seen = list(shown)
    link = OLDER.search(page)
    while link is not None:
        more = responder.get(html.unescape(link.group(1)))
        assert more.status_code == 200
        seen += entry_ids(more.text)
        link = OLDER.search(more.text)
    assert seen == newest_first  # every entry once, in order, nothing skipped at ties

    # The same with a filter: the pages keep it.
    notes = [e["id"] for e in reversed(everything) if e["kind"] == EntryKind.NOTE.value]
    part = responder.get(f"/incidents/{ref}/part/timeline", params={"kind": "note"}).text
    seen = entry_ids(part)
    link = OLDER.search(part)
    assert link is not None and "kind=note" in link.group(1)
    while link is not None:
        more = responder.get(html.unescape(link.group(1)))
        seen += entry_ids(more.text)
        link = OLDER.search(more.text)
    assert seen == notes


def test_a_short_timeline_has_no_older_button(responder: ConsoleClient, wr: Warroom) -> None:
    ref = str(
        wr.bus.handle(c.DeclareIncident(title="Slow search", severity="sev3", by="alice"))["ref"]
    )
    page = responder.get(f"/incidents/{ref}").text
    assert entry_ids(page) and OLDER.search(page) is None


def test_bad_page_cursors_are_named_not_500s(responder: ConsoleClient, wr: Warroom) -> None:
    ref = str(
        wr.bus.handle(c.DeclareIncident(title="Slow search", severity="sev3", by="alice"))["ref"]
    )
    path = f"/incidents/{ref}/timeline/older"
    naive = responder.get(path, params={"before_at": "2026-11-01T00:00:00", "before_id": 5})
    assert naive.status_code == 422 and "before_at" in naive.text
    garbage = responder.get(path, params={"before_at": "yesterday", "before_id": 5})
    assert garbage.status_code == 422 and "before_at" in garbage.text
    missing = responder.get(path)
    assert missing.status_code == 422 and "before_id" in missing.text
    unknown = responder.get(
        "/incidents/INC-99/timeline/older",
        params={"before_at": "2026-11-01T00:00:00Z", "before_id": 5},
    )
    assert unknown.status_code == 404
