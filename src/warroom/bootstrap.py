"""Wiring: the one place where settings, database, policy, clock and bus come together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from prometheus_client import CollectorRegistry
from sqlalchemy.orm import Session

from warroom.adapters import db as database
from warroom.adapters import facts
from warroom.adapters.audit_log import AuditedWrites
from warroom.adapters.clock import Clock, SystemClock
from warroom.adapters.console_sessions import SessionStore
from warroom.adapters.metrics import build_registry
from warroom.adapters.notifiers.base import LogNotifier, Notifier
from warroom.adapters.notifiers.email import SmtpConfig, SmtpNotifier
from warroom.adapters.notifiers.setup import build_chat_notifiers
from warroom.adapters.orm import start_mappers
from warroom.adapters.policy_file import load_policy
from warroom.adapters.tokens import TokenStore
from warroom.adapters.users import UserStore
from warroom.config import Settings, SettingsError
from warroom.domain.commands import FireTimer
from warroom.domain.policy import Policy
from warroom.service_layer import audit
from warroom.service_layer.handlers import (
    COMMAND_HANDLERS,
    EVENT_HANDLERS,
    PRECHECKS,
    TIMER_HANDLERS,
)
from warroom.service_layer.handlers.timers import TimerHandler, make_fire_timer
from warroom.service_layer.intake import IntakeGate
from warroom.service_layer.messagebus import Context, Listener, MessageBus
from warroom.service_layer.on_duty import NoOnCall, OnDutyLookup, RotationsOnDuty
from warroom.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from warroom.service_layer.worker import Worker, WorkerConfig

# How long a console session lasts from sign-in, however active.
SESSION_LIFETIME = timedelta(hours=12)


@dataclass
class Warroom:
    """A running warroom: what the entry points are given."""

    settings: Settings
    db: database.Database
    policy: Policy
    clock: Clock
    bus: MessageBus
    tokens: TokenStore
    users: UserStore
    sessions: SessionStore
    metrics_registry: CollectorRegistry
    notifiers: dict[str, Notifier]
    listeners: list[Listener] = field(default_factory=list)
    # Who is on duty for each role (the roles matrix); `bootstrap` plugs in on-call
    # (`RotationsOnDuty`), the default is for a Warroom built by hand without it.
    on_duty: OnDutyLookup = field(default_factory=NoOnCall)
    intake: IntakeGate | None = None

    def make_worker(self, config: WorkerConfig | None = None, name: str | None = None) -> Worker:
        """A worker for this app's timers and outbox (run it in a thread or its own process)."""
        return Worker(
            bus=self.bus,
            engine=self.db.write,
            clock=self.clock,
            notifiers=self.notifiers,
            config=config or WorkerConfig(poll_seconds=self.settings.worker_poll_seconds),
            name=name,
        )

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session on the read engine, for views that need domain objects."""
        with Session(bind=self.db.read) as session:
            yield session

    def close(self) -> None:
        if self.intake is not None:
            self.intake.close()
        for notifier in self.notifiers.values():
            notifier.close()
        self.db.dispose()


def build_notifiers(settings: Settings) -> dict[str, Notifier]:
    """One notifier per configured channel; the log channel is always there."""
    notifiers: dict[str, Notifier] = {"log": LogNotifier()}
    if settings.smtp_host:
        notifiers["email"] = SmtpNotifier(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                security=settings.smtp_security,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value()
                if settings.smtp_password
                else None,
                sender=settings.smtp_from,
            )
        )
    notifiers.update(build_chat_notifiers(settings))
    return notifiers


def _link_key(settings: Settings) -> str:
    """The key that signs links in notifications; none (no links) without a real key."""
    try:
        return settings.require_secret_key()
    except SettingsError:
        return ""


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    policy: Policy | None = None,
    migrate: bool = True,
    timer_handlers: dict[str, TimerHandler] | None = None,
    notifiers: dict[str, Notifier] | None = None,
) -> Warroom:
    """Build a Warroom from settings; migrates the database unless told not to."""
    start_mappers()
    settings = settings or Settings()
    policy = policy or load_policy(settings.policy)
    clock = clock or SystemClock()
    db = database.open_database(settings.database_url)
    if migrate:
        database.upgrade(db, policy=policy)
        # Facts computed under other cadences (the policy file changed) are recomputed.
        with db.write.begin() as conn:
            facts.refresh_stale(conn, policy)
    session_factory = db.session_factory()
    chosen = notifiers if notifiers is not None else build_notifiers(settings)
    listeners: list[Listener] = []
    writes = AuditedWrites(db.write, audit.row_builder(clock.now), audit.jsonable)
    tokens = TokenStore(db.write, writes=writes)
    bus = MessageBus(
        uow_factory=lambda: SqlAlchemyUnitOfWork(session_factory),
        context=Context(
            policy=policy,
            clock=clock,
            channels=frozenset(chosen),
            public_url=settings.base_url,
            secret_key=_link_key(settings),
        ),
        command_handlers={
            **COMMAND_HANDLERS,
            FireTimer: make_fire_timer(
                TIMER_HANDLERS if timer_handlers is None else timer_handlers
            ),
        },
        event_handlers=EVENT_HANDLERS,
        listeners=listeners,
        prechecks=PRECHECKS,
        read=db.read,
    )
    return Warroom(
        settings=settings,
        db=db,
        policy=policy,
        clock=clock,
        bus=bus,
        tokens=tokens,
        users=UserStore(db.write, writes=writes),
        sessions=SessionStore(db.write, tokens, SESSION_LIFETIME, writes=writes),
        metrics_registry=build_registry(db.read, policy, clock),
        notifiers=chosen,
        listeners=listeners,
        on_duty=RotationsOnDuty(policy, bus.uow_factory),
        intake=IntakeGate(bus),
    )
