"""Wiring: the one place where settings, database, policy, clock and bus come together."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from sqlalchemy.orm import Session

from warroom.adapters import db as database
from warroom.adapters.clock import Clock, SystemClock
from warroom.adapters.metrics import build_registry
from warroom.adapters.orm import start_mappers
from warroom.adapters.policy_file import load_policy
from warroom.adapters.tokens import TokenStore
from warroom.config import Settings
from warroom.domain.policy import Policy
from warroom.service_layer.handlers import COMMAND_HANDLERS, EVENT_HANDLERS
from warroom.service_layer.messagebus import Context, Listener, MessageBus
from warroom.service_layer.unit_of_work import SqlAlchemyUnitOfWork


@dataclass
class Warroom:
    """A running warroom: what the entry points are given."""

    settings: Settings
    db: database.Database
    policy: Policy
    clock: Clock
    bus: MessageBus
    tokens: TokenStore
    metrics_registry: CollectorRegistry
    listeners: list[Listener] = field(default_factory=list)

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session on the read engine, for views that need domain objects."""
        with Session(bind=self.db.read) as session:
            yield session

    def close(self) -> None:
        self.db.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    policy: Policy | None = None,
    migrate: bool = True,
) -> Warroom:
    """Build a Warroom from settings; migrates the database unless told not to."""
    start_mappers()
    settings = settings or Settings()
    policy = policy or load_policy(settings.policy)
    clock = clock or SystemClock()
    db = database.open_database(settings.database_url)
    if migrate:
        database.upgrade(db)
    session_factory = db.session_factory()
    listeners: list[Listener] = []
    bus = MessageBus(
        uow_factory=lambda: SqlAlchemyUnitOfWork(session_factory),
        context=Context(policy=policy, clock=clock),
        command_handlers=COMMAND_HANDLERS,
        event_handlers=EVENT_HANDLERS,
        listeners=listeners,
    )
    return Warroom(
        settings=settings,
        db=db,
        policy=policy,
        clock=clock,
        bus=bus,
        tokens=TokenStore(db.write),
        metrics_registry=build_registry(db.read),
        listeners=listeners,
    )
