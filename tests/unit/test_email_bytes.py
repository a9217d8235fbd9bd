"""A message written out directly is byte for byte what the `email` package builds, and
anything the direct path cannot write as the package would goes through the package."""

from __future__ import annotations

from email import message_from_bytes
from email import policy as email_policy

from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.adapters.notifiers.email import build_email, direct_bytes
from warroom.domain.background import OutboundMessage

DATE = "Tue, 24 Nov 2026 06:30:00 -0000"
SENDER = "status@example.test"

printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=120)
anything = st.text(max_size=200)
words = st.from_regex(r"[!-~]{1,12}( [!-~]{1,12}){0,8}", fullmatch=True).filter(
    lambda s: "=?" not in s
)
local = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s
)


def _message(**kw: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "key": "customer-update:u1:ann@example.test",
        "channel": "email",
        "destination": "ann@example.test",
        "subject": "[Investigating] Logging in is broken",
        "body": "We are investigating.\n",
        "incident_ref": "INC-7",
        "payload": {},
    }
    fields.update(kw)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(subject=printable, body=anything, user=local, unsubscribe=printable)
def test_direct_bytes_equal_the_package(
    subject: str, body: str, user: str, unsubscribe: str
) -> None:
    message = _message(
        subject=subject,
        body=body,
        destination=f"{user}@example.test",
        payload={"headers": {"List-Unsubscribe": f"<{unsubscribe}>"}},
    )
    direct = direct_bytes(message, SENDER, DATE)
    built = build_email(message, SENDER, DATE).as_bytes()
    if direct is not None:
        assert direct == built


@settings(max_examples=200, deadline=None)
@given(subject=words, body=anything, user=local, link=words)
def test_plain_headers_are_written_directly(subject: str, body: str, user: str, link: str) -> None:
    message = _message(
        subject=subject,
        body=body,
        destination=f"{user}@example.test",
        payload={"headers": {"List-Unsubscribe": f"<{link}>"}},
    )
    direct = direct_bytes(message, SENDER, DATE)
    assert direct is not None
    assert direct == build_email(message, SENDER, DATE).as_bytes()


def test_a_plain_status_email_is_written_directly() -> None:
    message = _message(
        payload={
            "headers": {
                "List-Unsubscribe": "<https://status.example.test/status/unsubscribe/tok>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
        }
    )
    direct = direct_bytes(message, SENDER, DATE)
    assert direct is not None and direct == build_email(message, SENDER, DATE).as_bytes()
    parsed = message_from_bytes(direct, policy=email_policy.default)
    assert parsed["To"] == "ann@example.test"
    assert parsed["In-Reply-To"] == parsed["References"]
    assert parsed.get_content().replace("\r\n", "\n") == "We are investigating.\n"


def test_what_the_package_must_encode_goes_through_it() -> None:
    for message, sender in [
        (_message(subject="Connexion échouée"), SENDER),  # non-ASCII
        (_message(subject="x" * 1000), SENDER),  # longer than a line
        (_message(subject="=?utf-8?q?looks_encoded?="), SENDER),
        (_message(destination="Ann <ann@example.test>"), SENDER),  # a display name
        (_message(), "Status <status@example.test>"),
        (_message(destination="änn@example.test"), SENDER),
        (
            _message(
                payload={
                    "attachments": [
                        {"content_type": "text/calendar", "filename": "i.ics", "data": "BEGIN"}
                    ]
                }
            ),
            SENDER,
        ),
    ]:
        assert direct_bytes(message, sender, DATE) is None
        assert build_email(message, sender, DATE).as_bytes()
