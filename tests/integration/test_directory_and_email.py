"""The directory on both databases; reaching people by email through a real SMTP server."""

from __future__ import annotations

from datetime import time

import pytest

from tests.fakes import ManualClock
from tests.support.smtp import SmtpServer
from warroom.adapters.notifiers.base import DeliveryError
from warroom.adapters.notifiers.email import SmtpConfig, SmtpNotifier, message_id
from warroom.bootstrap import Warroom, bootstrap
from warroom.config import Settings
from warroom.domain.background import OutboundMessage
from warroom.domain.directory import Person, Service, Team
from warroom.service_layer.notify import notify_person
from warroom.service_layer.worker import WorkerConfig


def test_directory_round_trip(wr: Warroom) -> None:
    with wr.bus.uow_factory() as uow:
        uow.directory.add(
            Person(
                handle="bob",
                email="bob@example.test",
                timezone="America/New_York",
                waking_start=time(7, 30),
            )
        )
        uow.directory.add(Team(name="core", members=["bob", "carol"]))
        uow.directory.add(Service(name="auth", team="core", smes=["carol", "bob"]))
        uow.commit()
    with wr.bus.uow_factory() as uow:
        bob = uow.directory.person("bob")
        assert bob is not None
        assert (bob.timezone, bob.waking_start) == ("America/New_York", time(7, 30))
        auth = uow.directory.service("auth")
        assert auth is not None
        assert auth.smes == ["carol", "bob"]
        assert uow.directory.team("core").members == ["bob", "carol"]  # type: ignore[union-attr]
        assert uow.directory.person_or_default("nobody").timezone == "UTC"


def test_people_are_emailed_through_the_outbox(
    database_url: str, clock: ManualClock, smtp: SmtpServer
) -> None:
    wr = bootstrap(
        Settings(
            database_url=database_url,
            dev=True,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_from="warroom@example.test",
        ),
        clock=clock,
        migrate=False,
    )
    try:
        with wr.bus.uow_factory() as uow:
            uow.directory.add(Person(handle="dana", email="dana@example.test"))
            channels = notify_person(
                uow,
                wr.bus.context,
                "dana",
                key="INC-1:reminder:1",
                subject="Update due",
                body="The customers update is due.",
            )
            notify_person(
                uow, wr.bus.context, "ghost", key="INC-1:reminder:2", subject="x", body="y"
            )
            uow.commit()
        assert channels == ["email"]
        assert wr.make_worker(WorkerConfig(), "w").deliver() == 2
    finally:
        wr.close()
    [mail] = smtp.inbox.messages
    assert mail["To"] == "dana@example.test"
    assert mail["Subject"] == "Update due"
    assert mail["Message-ID"] == message_id("INC-1:reminder:1:email", "warroom@example.test")
    assert "customers update is due" in mail.get_payload()


def test_smtp_outage_then_recovery(smtp: SmtpServer) -> None:
    notifier = SmtpNotifier(SmtpConfig(host="127.0.0.1", port=smtp.port, timeout=2))
    msg = OutboundMessage(key="k", channel="email", destination="a@example.test", body="hi")
    notifier.send(msg)
    smtp.stop()
    with pytest.raises(DeliveryError, match=r"SMTP 127\.0\.0\.1"):
        notifier.send(msg)
    smtp.start()
    notifier.send(msg)
    notifier.close()
    assert len(smtp.inbox.messages) == 2
