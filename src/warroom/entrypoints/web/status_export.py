"""Write the status page as static files (HTML, JSON, feed) for any static host or CDN."""

from __future__ import annotations

from pathlib import Path

from warroom.bootstrap import Warroom
from warroom.entrypoints.web.status_render import StatusRenderer
from warroom.entrypoints.web.templating import make_environment


def file_for(path: str) -> str:
    """'' → index.html, 'history/' → history/index.html, others as they are."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def export_status_page(wr: Warroom, directory: Path) -> list[Path]:
    """Render once from the database and write every resource under `directory`."""
    renderer = StatusRenderer(wr, make_environment(), subscribe_enabled="email" in wr.notifiers)
    renderer.refresh()
    assert renderer.resources is not None
    written: list[Path] = []
    root = directory.resolve()
    for path, resource in sorted(renderer.resources.items()):
        target = (root / file_for(path)).resolve()
        if root not in target.parents:
            raise ValueError(f"refusing to write outside {root}: {path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(resource.body)
        tmp.replace(target)
        written.append(target)
    return written
