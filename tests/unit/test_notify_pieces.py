"""Templates in a sandbox, the policy's notification sections, chat commands, Slack signatures."""

from __future__ import annotations

import pytest

from warroom.adapters.policy_file import PolicyError, load_policy, parse_policy
from warroom.adapters.slack_signature import problem, sign
from warroom.adapters.templating import render_source
from warroom.domain import commands
from warroom.domain.enums import Audience, EntryKind, RoleName, Stage
from warroom.domain.errors import InvalidInput
from warroom.domain.notify_policy import Destination, Step
from warroom.service_layer.chat_commands import HELP, ShowChecklist, parse

BASE = {
    "name": "t",
    "default_severity": "s1",
    "severities": [{"name": "s1", "label": "S1"}],
}


def test_templates_run_in_a_sandbox() -> None:
    with pytest.raises(InvalidInput, match="template 'evil' failed"):
        render_source("{{ ''.__class__.__mro__[1].__subclasses__() }}", "evil", {})
    assert (
        render_source(
            "{{ incident.ref }}: {{ text }}", "t", {"incident": {"ref": "INC-1"}, "text": "hi"}
        )
        == "INC-1: hi"
    )


def test_standard_policy_has_the_declaration_checklist() -> None:
    policy = load_policy("standard")
    decl = policy.declaration
    assert decl.steps == (
        Step.ROOM,
        Step.NOTIFY_TEAM,
        Step.ANNOUNCE,
        Step.VIDEO_BRIDGE,
        Step.TICKET,
    )
    assert Destination("slack", "#new-incidents") in decl.announce
    assert decl.video_bridge_url == "https://meet.jit.si/{channel}"
    assert decl.page_severities == frozenset({"sev1", "sev2"})
    assert policy.notifications.customers == (Destination("webhook", "statuspage"),)
    assert load_policy("incident-response").declaration.announce


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"declaration": {"announce": ["pager:#x"]}}, "unknown channel 'pager'"),
        ({"declaration": {"announce": ["#new-incidents"]}}, "must look like 'channel:target'"),
        (
            {"declaration": {"steps": ["coffee"]}},
            r"declaration\.steps\[0\]: Input should be .room.",
        ),
        (
            {"declaration": {"video_bridge_url": "https://meet/{room}"}},
            "'room' is not a known field",
        ),
        ({"declaration": {"page_severities": ["sev9"]}}, "unknown severity 'sev9'"),
        ({"declaration": {"rooms": ["irc"]}}, "unknown room channel 'irc'"),
        ({"templates": {"announcement": "{% if %}"}}, "templates.announcement: line 1"),
        ({"notifications": {"digest_every": 0}}, "notifications.digest_every"),
    ],
)
def test_bad_notification_sections_are_named(section: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy({**BASE, **section}, source="p.toml")


def test_chat_commands_parse_to_bus_commands() -> None:
    _, cmd = parse(" log the deploy at 9:30 ", "INC-3", "bob")
    assert cmd == commands.AddTimelineEntry(
        ref="INC-3", kind=EntryKind.NOTE, text="the deploy at 9:30", by="bob"
    )
    _, cmd = parse("INC-7 update customers Fixed for most", None, "bob")
    assert cmd == commands.PostUpdate(
        ref="INC-7", audience=Audience.CUSTOMERS, text="Fixed for most", by="bob"
    )
    _, cmd = parse("stage identified bad deploy", "INC-3", "bob")
    assert cmd == commands.ChangeStage(
        ref="INC-3", stage=Stage.IDENTIFIED, by="bob", note="bad deploy"
    )
    assert parse("help", None, "bob") == ("help", None)
    assert parse("checklist", "INC-3", "bob") == ("checklist", ShowChecklist(ref="INC-3"))
    assert parse("INC-7 checklist Commander", None, "bob") == (
        "checklist",
        ShowChecklist(ref="INC-7", role=RoleName.COMMANDER),
    )
    with pytest.raises(InvalidInput, match="unknown role 'janitor'"):
        parse("checklist janitor", "INC-3", "bob")
    assert "checklist [ROLE]" in HELP
    with pytest.raises(InvalidInput, match="not an incident room"):
        parse("log x", None, "bob")
    with pytest.raises(InvalidInput, match="unknown stage"):
        parse("stage sideways", "INC-3", "bob")
    with pytest.raises(InvalidInput, match="unknown command 'dance'"):
        parse("dance", "INC-3", "bob")


def test_slack_signatures() -> None:
    body = b"token=x&text=log+hi"
    good = sign("secret", "1700000000", body)
    assert problem("secret", "1700000000", good, body, now=1700000100) is None
    assert "does not match" in str(problem("other", "1700000000", good, body, now=1700000100))
    assert "5-minute window" in str(problem("secret", "1700000000", good, body, now=1700000301))
    assert "missing" in str(problem("secret", None, good, body, now=1700000000))
