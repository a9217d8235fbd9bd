"""Real servers on 127.0.0.1 for end-to-end tests: uvicorn serving an app in a thread,
and a Prometheus Alertmanager process with a generated configuration."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import uvicorn

ALERTMANAGER_NAMES = ("prometheus-alertmanager", "alertmanager")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ThreadedServer:
    """uvicorn serving `app` on a free port, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def alertmanager_binary() -> str | None:
    return next((path for name in ALERTMANAGER_NAMES if (path := shutil.which(name))), None)


CONFIG = """\
route:
  receiver: warroom
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: warroom
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: {key}
"""


class Alertmanager:
    """An Alertmanager whose only receiver is warroom's webhook, with short group timers."""

    def __init__(self, binary: str, folder: Path, *, webhook_url: str, key: str) -> None:
        self.port = free_port()
        self.folder = folder
        (folder / "alertmanager.yml").write_text(CONFIG.format(url=webhook_url, key=key))
        self.log = (folder / "alertmanager.log").open("w")
        self.proc = subprocess.Popen(
            [
                binary,
                f"--config.file={folder / 'alertmanager.yml'}",
                f"--storage.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.client = httpx2.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"alertmanager exited: {(self.folder / 'alertmanager.log').read_text()}"
                )
            try:
                if self.client.get("/-/ready").status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError("alertmanager did not become ready")

    def push(self, alerts: list[dict[str, Any]]) -> None:
        """Post alerts with Alertmanager's API v2 (as Prometheus does)."""
        response = self.client.post("/api/v2/alerts", json=alerts)
        response.raise_for_status()

    def stop(self) -> None:
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
