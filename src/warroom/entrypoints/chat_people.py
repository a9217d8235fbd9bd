"""Who a chat user is: their directory person, that person's user, and its access role."""

from __future__ import annotations

from warroom.bootstrap import Warroom
from warroom.domain.access import AccessRole


def chat_person(
    wr: Warroom, *, fallback: str, matrix_id: str | None = None, slack_id: str | None = None
) -> tuple[str, AccessRole | None]:
    """(handle, access role) of the person with this chat id.

    A person without an active user is a viewer: they may still act on incidents where
    they hold a working role, as `decide` allows a viewer. A chat user the directory does
    not know is `fallback` with no role; `fallback` must not be a possible handle (the
    chat id, `slack:U…` or `@user:server`), so it cannot pass as someone's membership.
    """
    with wr.bus.uow_factory() as uow:
        found = uow.directory.person_by_chat_id(matrix_id=matrix_id, slack_id=slack_id)
        handle = found.handle if found is not None else None
    if handle is None:
        return fallback, None
    user = wr.users.by_handle(handle)
    if user is None or not user.active or user.handle != handle:
        return handle, AccessRole.VIEWER
    return handle, user.role
