"""A real Synapse homeserver on 127.0.0.1 (SQLite, generated config), for the Matrix tier.

Started once per test session (about 15 s); users are made with shared-secret
registration through the admin API. `restart()` stops and starts the same server on
the same port and data, for the "restarted mid-incident" fault test.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import yaml

from tests.support.smtp import free_port

SERVER_NAME = "warroom.test"
SHARED_SECRET = "test-registration-secret"


def synapse_available() -> str | None:
    """None when Synapse can be imported, else why not."""
    try:
        import synapse  # noqa: F401, PLC0415 - only probing whether it is installed
    except ImportError as exc:
        return f"matrix-synapse is not installed ({exc}); pip install -e '.[dev]'"
    return None


class Synapse:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.config = workdir / "homeserver.yaml"
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "synapse.out"

    def generate(self) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "synapse.app.homeserver",
                "--server-name",
                SERVER_NAME,
                "--config-path",
                str(self.config),
                "--generate-config",
                "--report-stats=no",
                "--data-directory",
                str(self.workdir),
            ],
            check=True,
            cwd=self.workdir,
            capture_output=True,
            timeout=120,
        )
        cfg: dict[str, Any] = yaml.safe_load(self.config.read_text())
        unlimited = {"per_second": 10_000, "burst_count": 10_000}
        cfg.update(
            listeners=[
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            database={"name": "sqlite3", "args": {"database": str(self.workdir / "hs.db")}},
            registration_shared_secret=SHARED_SECRET,
            enable_registration=False,
            report_stats=False,
            trusted_key_servers=[],
            suppress_key_server_warning=True,
            federation_domain_whitelist=[],
            presence={"enabled": False},
            url_preview_enabled=False,
            enable_metrics=False,
            rc_message=unlimited,
            rc_registration=unlimited,
            rc_login={"address": unlimited, "account": unlimited, "failed_attempts": unlimited},
            rc_admin_redaction=unlimited,
            rc_joins={"local": unlimited, "remote": unlimited},
            rc_invites={
                "per_room": unlimited,
                "per_user": unlimited,
                "per_issuer": unlimited,
            },
            rc_3pid_validation=unlimited,
            rc_room_creation=unlimited,
        )
        log_config = self.workdir / "log.config"
        log_config.write_text(
            "version: 1\nformatters:\n  f:\n    format: '%(asctime)s %(levelname)s %(name)s %(message)s'\n"
            "handlers:\n  file:\n    class: logging.FileHandler\n    formatter: f\n"
            f"    filename: {self.workdir / 'homeserver.log'}\n"
            "root:\n  level: WARNING\n  handlers: [file]\ndisable_existing_loggers: false\n"
        )
        cfg["log_config"] = str(log_config)
        self.config.write_text(yaml.safe_dump(cfg))

    def start(self, timeout: float = 90.0) -> None:
        env = {**os.environ, "SYNAPSE_ASYNC_IO_REACTOR": "0"}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config)],
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"synapse exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx2.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"synapse did not answer in {timeout}s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def register(self, localpart: str, *, admin: bool = False) -> tuple[str, str]:
        """Create a user with shared-secret registration; returns (user id, access token)."""
        url = f"{self.url}/_synapse/admin/v1/register"
        nonce = httpx2.get(url, timeout=10).json()["nonce"]
        password = f"pw-{localpart}"
        # The MAC covers the fields joined by NUL, with no NUL after the last one.
        fields = [nonce, localpart, password, "admin" if admin else "notadmin"]
        mac = hmac.new(SHARED_SECRET.encode(), "\x00".join(fields).encode(), hashlib.sha1)
        body = {
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac.hexdigest(),
        }
        response = httpx2.post(url, json=body, timeout=30)
        response.raise_for_status()
        data = response.json()
        return data["user_id"], data["access_token"]
