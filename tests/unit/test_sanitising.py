"""Markdown sanitising, secret redaction, and the audit log's pure helpers."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from warroom.adapters.markdown import to_html
from warroom.adapters.rate_limit import TokenBuckets
from warroom.adapters.redaction import (
    _VALUE_PATTERNS,
    REDACTED,
    _replacement,
    scrub,
    scrub_text,
    sensitive_name,
)
from warroom.domain.commands import AddTimelineEntry, DeclareIncident
from warroom.domain.enums import EntryKind
from warroom.service_layer import audit


@pytest.mark.parametrize(
    ("markdown", "absent"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("[x](javascript:alert(1))", 'href="javascript'),
        ('<img src=x onerror="alert(1)">', "<img"),
        ('![a](x" onerror="alert(1))', "<img"),
        ("<a href='https://x' onclick='alert(1)'>x</a>", "<a href"),
    ],
)
def test_markdown_is_rendered_without_scripts(markdown: str, absent: str) -> None:
    assert absent not in to_html(markdown)


def test_markdown_keeps_what_a_postmortem_needs() -> None:
    html = to_html("# Impact\n\n- **40** customers\n\n[runbook](https://example.test/rb)\n")
    assert "<h1>Impact</h1>" in html
    assert "<strong>40</strong>" in html
    assert 'href="https://example.test/rb"' in html
    assert "noopener" in html


def test_secret_names_and_values_are_redacted() -> None:
    assert sensitive_name("smtp_password") and sensitive_name("Authorization")
    assert sensitive_name("slack_signing_secret") and sensitive_name("key")
    assert not sensitive_name("dedup_key") and not sensitive_name("title")
    cleaned = scrub(
        {
            "token": "wr_abc",
            "nested": {"api_key": "k1", "title": "fine"},
            "text": "use Bearer abcdefghijkl now",
            "url": "https://u:pw123456@example.test/x?token=s3cr3t&a=1",
            "dedup_key": "disk-full",
        }
    )
    assert cleaned["token"] == REDACTED
    assert cleaned["nested"] == {"api_key": REDACTED, "title": "fine"}
    assert cleaned["text"] == f"use {REDACTED} now"
    assert "pw123456" not in cleaned["url"] and "s3cr3t" not in cleaned["url"]
    assert cleaned["url"].endswith("&a=1")
    assert cleaned["dedup_key"] == "disk-full"
    assert scrub_text("whsec_c2VjcmV0c2VjcmV0") == REDACTED


def test_audit_fields_actor_and_refs() -> None:
    at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    command = AddTimelineEntry(ref="3", kind=EntryKind.NOTE, text="x", by="ann", occurred_at=at)
    fields = audit.command_fields(command)
    assert fields["kind"] == "note" and fields["occurred_at"] == at.isoformat()
    assert audit.refs_of(command, ["INC-3", "INC-4"]) == ",INC-3,INC-4,"
    assert audit.actor_of(command, None) == "ann"
    assert audit.actor_of(command, audit.Origin(actor="root")) == "root"
    declare = DeclareIncident(title="t", severity=None, by="")
    assert audit.actor_of(declare, audit.Origin(channel="status-page", client_ip="1.2.3.4")) == (
        "anonymous"
    )
    assert audit.actor_of(declare, None) == "warroom"
    assert audit.refs_of(declare, []) == ""


def test_token_buckets_allow_a_burst_then_a_steady_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(clock=lambda: now[0])
    assert [buckets.take("a", 0.5, burst=2) for _ in range(3)] == [0, 0, 120]
    assert buckets.take("b", 0.5, burst=2) == 0  # its own bucket
    now[0] += 120
    assert buckets.take("a", 0.5, burst=2) == 0


def test_jsonable_covers_every_shape_a_command_holds() -> None:
    from dataclasses import dataclass  # noqa: PLC0415
    from datetime import date  # noqa: PLC0415
    from enum import Enum, StrEnum  # noqa: PLC0415

    class Colour(Enum):
        RED = 1

    class Name(StrEnum):
        ANN = "ann"

    class Tag(str):
        pass

    @dataclass(frozen=True)
    class Inner:
        password: str
        at: date

    value = {
        "n": None,
        "b": True,
        "i": 3,
        "f": 1.5,
        "e": Colour.RED,
        "s": Name.ANN,
        "sub": Tag("Bearer abcdefghijklmnop"),
        "d": date(2026, 1, 2),
        "items": (Inner(password="p4ss", at=date(2026, 1, 3)), frozenset({"x"})),
        7: "x" * 5000,
        "api_key": "",
        "klass": Inner,
    }
    out = audit.jsonable(value, redact=True)
    assert out["n"] is None and out["b"] is True and out["i"] == 3 and out["f"] == 1.5
    assert out["e"] == 1 and out["s"] == "ann" and type(out["s"]) is str
    assert out["sub"] == REDACTED and out["d"] == "2026-01-02"
    assert out["items"] == [{"password": REDACTED, "at": "2026-01-03"}, ["x"]]
    assert len(out["7"]) == audit.MAX_TEXT + 1 and out["api_key"] == ""
    assert isinstance(out["klass"], str)
    assert audit.jsonable(value)["items"][0]["password"] == "p4ss"


def _every_pattern(text: str) -> str:
    """`scrub_text` without its quick test for hints: every pattern applied."""
    for pattern in _VALUE_PATTERNS:
        text = pattern.sub(_replacement(pattern), text)
    return text


def test_the_quick_test_for_hints_never_lets_a_secret_through() -> None:
    """Texts built from the pieces the patterns look for, in every case and with the
    characters Unicode folds to ASCII letters (Kelvin sign, long s, dotless i): whatever
    a pattern would hide, `scrub_text` hides."""
    rng = random.Random(3)
    pieces = [
        "Bearer ", "bAsIc ", "BEARER\t", "ba\u017fic ", "bearer ", "BAS\u0130C ", "bas\u0131c ",
        "whsec_", "WHSEC_", "xoxb-", "XOXB-", "wr_", "://", "u:p@", "?token=", "&KEY=",
        "abcdefghijklmnop", "0123456789", " ", "/", "=", "\u212a", "\u00e9", "\u2014",
    ]  # fmt: skip
    hidden = 0
    for _ in range(5000):
        text = "".join(rng.choices(pieces, k=rng.randint(1, 8)))
        expected = _every_pattern(text)
        assert scrub_text(text) == expected, text
        hidden += expected != text
    assert hidden > 1000  # the texts do hold secrets often
