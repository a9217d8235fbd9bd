"""Database schema: one module per concept, all on one MetaData."""

from __future__ import annotations

from warroom.adapters.orm import alerts, auth, background, directory, incidents, oncall
from warroom.adapters.orm.base import mapper_registry, metadata

__all__ = [
    "alerts",
    "auth",
    "background",
    "directory",
    "incidents",
    "mapper_registry",
    "metadata",
    "oncall",
    "start_mappers",
]

_started = False


def start_mappers() -> None:
    """Map the domain classes once per process (imperative mapping)."""
    global _started
    if _started:
        return
    incidents.map_incidents()
    directory.map_directory()
    _started = True
