"""Database schema: one module per concept, all on one MetaData."""

from __future__ import annotations

from warroom.adapters.orm import (
    alerts,
    audit,
    auth,
    background,
    chat,
    checklists,
    clocks,
    directory,
    facts,
    incidents,
    oncall,
    retrospectives,
    status,
    testplan,
)
from warroom.adapters.orm.base import mapper_registry, metadata

__all__ = [
    "alerts",
    "audit",
    "auth",
    "background",
    "chat",
    "checklists",
    "clocks",
    "directory",
    "facts",
    "incidents",
    "mapper_registry",
    "metadata",
    "oncall",
    "retrospectives",
    "start_mappers",
    "status",
    "testplan",
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
    clocks.map_clocks()
    testplan.map_testplan()
    retrospectives.map_retrospectives()
    _started = True
