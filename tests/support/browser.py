"""A real warroom server on 127.0.0.1 and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from tests.support.smtp import free_port
from warroom.bootstrap import Warroom
from warroom.entrypoints.api.app import create_app

CHROMIUM = os.environ.get("WARROOM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_missing() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    try:
        import playwright  # noqa: F401, PLC0415 - optional dev dependency checked at run time
    except ImportError:
        return "the playwright package is missing (pip install -e '.[dev]')"
    return None


@contextmanager
def serving(wr: Warroom) -> Iterator[str]:
    """Serve `wr` with uvicorn in a thread; yields the base URL."""
    port = (
        int(wr.settings.url.rsplit(":", 1)[1]) if wr.settings.url.count(":") == 2 else free_port()
    )
    config = uvicorn.Config(
        create_app(wr), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def sign_in_with_token(page: Any, url: str, token: str) -> None:
    """Open the login page's API-token form (folded under the password form) and sign in."""
    page.goto(f"{url}/login")
    page.get_by_text("Sign in with an API token").click()
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in with the token").click()
    page.wait_for_url(f"{url}/")
