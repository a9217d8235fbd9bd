"""The domain events that exist, by class name, so that policies can bind to them as data.

Events may be defined in any module of `warroom.domain` (new concepts add their own
files); the catalog imports every domain module once and collects every subclass of
`Event`, so an event added later can be named in a policy without touching this code.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from functools import cache

from warroom.domain.events import Event


@cache
def _import_domain_modules() -> None:
    package = importlib.import_module(__package__ or "warroom.domain")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


def event_types() -> dict[str, list[type[Event]]]:
    """Every event class by name (a list, so that a name defined twice can be refused)."""
    _import_domain_modules()
    found: dict[str, list[type[Event]]] = {}
    stack: list[type[Event]] = list(Event.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls not in found.get(cls.__name__, []):
            found.setdefault(cls.__name__, []).append(cls)
        stack.extend(cls.__subclasses__())
    return found


def event_type(name: str) -> type[Event] | None:
    """The one event class called `name`, or None if there is none (or more than one)."""
    classes = event_types().get(name, [])
    return classes[0] if len(classes) == 1 else None


def event_fields(cls: type[Event]) -> dict[str, str]:
    """Field name → its annotation as written (events use postponed annotations)."""
    return {f.name: str(f.type) for f in dataclasses.fields(cls)}
