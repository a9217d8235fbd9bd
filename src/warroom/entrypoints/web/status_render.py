"""The status page rendered once per change and served from memory.

A rebuild reads the database once and renders every page, feed and JSON document into
bytes with an ETag. Events committed in this process (through `wr.listeners`) trigger a
rebuild at once; a short TTL picks up other processes' changes. While a rebuild runs, or
when the database is slow or down, the previous bytes keep being served.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

import orjson
import structlog
from jinja2 import Environment

from warroom import status_queries
from warroom.bootstrap import Warroom
from warroom.domain.events import Event
from warroom.service_layer.status_view import PageInfo, StatusView

log = structlog.get_logger(__name__)

HTML = b"text/html; charset=utf-8"
JSON = b"application/json"
ATOM = b"application/atom+xml; charset=utf-8"


@dataclass(frozen=True)
class Resource:
    body: bytes
    etag: bytes
    content_type: bytes

    @classmethod
    def of(cls, body: bytes, content_type: bytes) -> Resource:
        digest = hashlib.sha256(body).hexdigest()[:20].encode()
        return cls(body=body, etag=b'"' + digest + b'"', content_type=content_type)


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def render_all(view: StatusView, env: Environment, subscribe_url: str) -> dict[str, Resource]:
    """Path under /status/ → bytes, for every public resource of the page."""
    out: dict[str, Resource] = {}
    common = {
        "view": view,
        "subscribe_url": subscribe_url,
        "email": subscribe_url != "",
    }
    out[""] = Resource.of(
        env.get_template("status/index.html").render(root="", **common).encode(), HTML
    )
    out["history/"] = Resource.of(
        env.get_template("status/history.html").render(root="../", **common).encode(), HTML
    )
    incident_page = env.get_template("status/incident.html")
    for item in view.incidents:
        out[f"incidents/{item['id']}/"] = Resource.of(
            incident_page.render(root="../../", incident=item, **common).encode(), HTML
        )
    feed = Resource.of(env.get_template("status/feed.atom.xml").render(**common).encode(), ATOM)
    out["feed.atom"] = out["history.atom"] = feed
    for path, doc in view.documents().items():
        out[f"api/v2/{path}"] = Resource.of(_json(doc), JSON)
    return out


class StatusRenderer:
    def __init__(self, wr: Warroom, env: Environment, *, subscribe_enabled: bool) -> None:
        self.wr = wr
        self.env = env
        self.ttl = wr.settings.status_page_ttl_seconds
        self.subscribe_url = f"{wr.settings.base_url}/status/subscribe" if subscribe_enabled else ""
        self.resources: dict[str, Resource] | None = None
        self.component_names: list[str] = []
        self.built_at = 0.0
        self._wanted = 0  # generation asked for (bumped by each invalidation)
        self._built = 0  # generation the current resources reflect
        self._building = False
        self._cond = threading.Condition()

    # -- building ------------------------------------------------------------------------------

    def view(self) -> StatusView:
        wr = self.wr
        with wr.db.read.connect() as conn:
            components = status_queries.components(conn)
            service_map = status_queries.service_components(conn)
            incidents = status_queries.public_incidents(conn)
            maintenances = status_queries.maintenances(conn)
        return StatusView(
            page=PageInfo(name=wr.settings.status_page_name, url=f"{wr.settings.base_url}/status/"),
            policy=wr.policy,
            now=wr.clock.now(),
            components=components,
            service_map=service_map,
            incidents=incidents,
            maintenances=maintenances,
        )

    def build(self) -> dict[str, Resource]:
        view = self.view()
        resources = render_all(view, self.env, self.subscribe_url)
        self.component_names = [c["name"] for c in view.raw_components]
        return resources

    def _run(self) -> None:
        while True:
            with self._cond:
                target = self._wanted
            try:
                resources = self.build()
            except Exception:  # the database may be slow or down: keep serving what we have
                log.exception("status_page_rebuild_failed")
                resources = None
            with self._cond:
                if resources is not None:
                    self.resources = resources
                    self.built_at = time.monotonic()
                    self._built = max(self._built, target)
                else:
                    # Give up on this generation; the TTL or the next event retries.
                    self._built = max(self._built, target)
                    self.built_at = time.monotonic()
                if self._wanted == target:
                    self._building = False
                    self._cond.notify_all()
                    return

    def kick(self) -> None:
        """Start a rebuild in the background unless one is already running."""
        with self._cond:
            if self._building:
                return
            self._building = True
        threading.Thread(target=self._run, name="status-page", daemon=True).start()

    # -- freshness ------------------------------------------------------------------------------

    def invalidate(self) -> None:
        with self._cond:
            self._wanted += 1
            served = self.resources is not None
        # Nobody has asked for the page yet: the first request builds it.
        if served:
            self.kick()

    def on_event(self, event: Event) -> None:
        """Listener: anything committed may change what the public sees."""
        self.invalidate()

    @property
    def behind(self) -> bool:
        """A change committed in this process is not yet in the served bytes."""
        return self._built < self._wanted

    @property
    def expired(self) -> bool:
        return time.monotonic() - self.built_at > self.ttl

    def wait_fresh(self, timeout: float) -> None:
        """Block until the changes known now are rendered, or `timeout` passes."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._wanted
            while self._built < target and self.resources is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._cond.wait(left)

    def ensure(self) -> dict[str, Resource] | None:
        """The current resources, building them first if there are none yet."""
        if self.resources is None:
            with self._cond:
                self._wanted += 1
            self.kick()
            with self._cond:
                deadline = time.monotonic() + 10
                while self.resources is None and self._building:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
        return self.resources

    def refresh(self) -> None:
        """Rebuild now in this thread (the export command, tests)."""
        resources = self.build()
        with self._cond:
            self.resources = resources
            self.built_at = time.monotonic()
            self._built = self._wanted
