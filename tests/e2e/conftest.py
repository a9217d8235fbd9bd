"""Fixtures shared by the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import need
from tests.support import browser as support


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    need(support.chromium_missing() is None, str(support.chromium_missing()))
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional at import

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=support.CHROMIUM, args=support.CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
