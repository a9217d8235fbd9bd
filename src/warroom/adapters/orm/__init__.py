"""Database schema: one module per concept, all on one MetaData."""

from __future__ import annotations

from warroom.adapters.orm import (
    alerts,
    auth,
    background,
    chat,
    checklists,
    directory,
    incidents,
    oncall,
    status,
)
from warroom.adapters.orm.base import mapper_registry, metadata

__all__ = [
    "alerts",
    "auth",
    "background",
    "chat",
    "checklists",
    "directory",
    "incidents",
    "mapper_registry",
    "metadata",
    "oncall",
    "start_mappers",
    "status",
]

_started = False


def start_mappers() -> None:
    """Map the domain classes once per process (imperative mapping)."""
    global _started
    if _started:
        return
    incidents.map_incidents()
    directory.map_directory()
    checklists.map_checklists()
    _started = True
