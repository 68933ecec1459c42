"""The browser harness: Debian's Chromium driven headless by Playwright (never a downloaded browser).

* ``browser`` (session): one Chromium for the run. Without ``/usr/bin/chromium`` the browser tests
  are skipped with the reason, except under CI (``CI=true``), where a missing browser is a failure.
* ``page``: a fresh context per test (Chinese locale, a laptop-sized window); when the test ends, a
  full-page screenshot goes to ``test-artifacts/<test name>.png`` (git-ignored), pass or fail.
* ``shot(label)``: an extra screenshot mid-test, ``test-artifacts/<test name>-<label>.png``.

Mark browser tests ``@pytest.mark.browser`` (``pytest -m "not browser"`` leaves them out).

Tests that use ``live_server`` need ``@pytest.mark.django_db(transaction=True)``. Such tests end
with a flush of every table, which would also wipe what data migrations loaded (GB/T 4754
industries, streets, parks, demand categories, rule-set versions) for the tests after them; the
harness therefore turns on ``serialized_rollback`` for them, so each starts from the migrated data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 20_000


HERE = Path(__file__).resolve().parent


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def artifact_path(node_name: str, label: str = "") -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", node_name).strip("_")
    return ARTIFACTS / f"{name}{'-' + label if label else ''}.png"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
        if in_ci():
            pytest.fail(reason + "; CI must run the browser tests", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        try:
            tab.screenshot(path=str(artifact_path(request.node.name)), full_page=True)
        finally:
            context.close()


@pytest.fixture
def shot(page: Any, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    def take(label: str) -> Path:
        path = artifact_path(request.node.name, label)
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
