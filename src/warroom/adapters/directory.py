"""Reading and writing the directory inside a unit of work."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.domain.directory import Person, Service, Team

_Keyed = TypeVar("_Keyed", Team, Service)


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def person(self, handle: str) -> Person | None:
        return self.session.get(Person, handle)

    def person_or_default(self, handle: str) -> Person:
        """The person's record, or a bare one (UTC, default waking hours) if unknown."""
        return self.person(handle) or Person(handle=handle)

    def person_by_chat_id(
        self, *, matrix_id: str | None = None, slack_id: str | None = None
    ) -> Person | None:
        """The person with this Matrix or Slack id, if the directory knows them."""
        stmt = select(Person)
        if matrix_id is not None:
            stmt = stmt.where(Person.matrix_id == matrix_id)  # type: ignore[arg-type]
        elif slack_id is not None:
            stmt = stmt.where(Person.slack_id == slack_id)  # type: ignore[arg-type]
        else:
            return None
        return self.session.execute(stmt.limit(1)).scalars().first()

    def team(self, name: str) -> Team | None:
        return self._get(Team, name)

    def service(self, name: str) -> Service | None:
        return self._get(Service, name)

    def _get(self, kind: type[_Keyed], name: str) -> _Keyed | None:
        """By primary key. A flush is forced first only if a directory entry is waiting to
        be written: other new rows (a declaration's incident) cannot change the answer, and
        flushing them here would cost the declaration a second flush."""
        if any(isinstance(thing, Person | Team | Service) for thing in self.session.new):
            return self.session.get(kind, name)
        with self.session.no_autoflush:
            return self.session.get(kind, name)

    def people(self) -> list[Person]:
        return list(self.session.execute(select(Person).order_by("handle")).scalars())

    def teams(self) -> list[Team]:
        return list(self.session.execute(select(Team).order_by("name")).scalars())

    def services(self) -> list[Service]:
        return list(self.session.execute(select(Service).order_by("name")).scalars())

    def add(self, thing: Person | Team | Service) -> None:
        """Insert or replace by primary key."""
        self.session.merge(thing)
