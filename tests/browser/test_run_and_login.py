"""The foundation's "done when": what a person does with the README's run command.

Start ``wutong serve`` in an empty data directory, read the administrator login it prints, open
the site in Chromium, log in, see the Chinese dashboard, switch to English and back, log out; then
stop the server and start it again, which must reuse everything (same login, up in seconds).

The demo district is built first with ``wutong demo --enterprises 300`` in the same data directory,
so ``serve`` finds users and skips its own (20,000-enterprise) demo build; the rest is exactly the
run command's path. This test runs real processes on a free port, not Django's test server.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WUTONG = Path(sys.executable).with_name("wutong")
LOGIN_LINE = re.compile(
    r"管理员登录 / administrator login:\s+用户名 (?P<username>\S+)\s+密码 (?P<password>\S+)"
)
READY_LINE = "梧桐 Wutong 已启动"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wutong_env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("WUTONG_") and k != "DJANGO_SETTINGS_MODULE"
    }
    return env | {"WUTONG_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}


@dataclass
class Server:
    """A running ``wutong serve`` and the lines it has printed so far."""

    process: subprocess.Popen[str]
    port: int
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_for_line(self, pattern: re.Pattern[str] | str, timeout: float) -> re.Match[str] | str:
        deadline = time.monotonic() + timeout
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        for line in self.seen:
            if match := regex.search(line):
                return match
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if match := regex.search(line):
                return match
        raise AssertionError(
            f"wutong serve never printed {regex.pattern!r}; output so far:\n" + "".join(self.seen)
        )

    def wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("wutong serve exited:\n" + "".join(self.seen))
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"wutong serve did not answer /healthz within {timeout} s")

    def stop(self) -> None:
        """SIGTERM, as a terminal's Ctrl-C or a service manager would; serve stops its worker."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the session serve and its worker started in
                self.process.wait(timeout=5)


def start_server(data_dir: Path) -> Server:
    port = free_port()
    process = subprocess.Popen(
        [str(WUTONG), "serve", "--port", str(port)],
        env=wutong_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so a hung worker can be cleaned up too
    )
    server = Server(process, port)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return server


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    if not WUTONG.exists():
        pytest.fail(f"the wutong console script is missing next to {sys.executable}")
    directory = tmp_path / "var"
    directory.mkdir()
    env = wutong_env(directory)
    for command in (["migrate", "-v", "0"], ["demo", "--enterprises", "300"]):
        done = subprocess.run([str(WUTONG), *command], env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            pytest.fail(f"wutong {' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def test_the_run_command_serves_a_site_the_printed_administrator_can_use(page, shot, data_dir, servers):
    # --- first start: migrate, create the administrator, print the login, serve ---------------
    server = start_server(data_dir)
    servers.append(server)
    login = server.wait_for_line(LOGIN_LINE, timeout=120)
    assert isinstance(login, re.Match)
    username, password = login["username"], login["password"]
    assert username == "admin"
    assert len(password) >= 10
    server.wait_for_line(READY_LINE, timeout=5)
    server.wait_until_healthy(timeout=30)
    assert (data_dir / "admin-login.txt").read_text().split() == [username, password]
    assert oct((data_dir / "admin-login.txt").stat().st_mode & 0o777) == "0o600"

    # --- the browser: login page, log in, dashboard ------------------------------------------
    page.goto(server.url + "/")
    assert page.url.startswith(server.url + "/accounts/login/")
    assert page.locator("h1").inner_text() == "梧桐 · 科技创新业务平台"
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("main h1").inner_text() == "工作台"
    nav = page.locator("nav.wt-sidebar")
    for label in ("工作台", "一企一档", "审计日志", "用户管理", "组织单位", "基础数据"):
        assert nav.get_by_role("link", name=label).count() == 1, label
    assert nav.locator("a.nav-link.active").inner_text().strip() == "工作台"
    assert "系统管理员" in page.locator("header.wt-topbar").inner_text()
    shot("dashboard-zh")

    # --- English and back ----------------------------------------------------------------------
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_role("button", name="中文").count() == 1
    shot("dashboard-en")
    page.get_by_role("button", name="中文").click()
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.locator("main h1").inner_text() == "工作台"

    # --- the audit log shows the login, and logging out ends the session -----------------------
    page.get_by_role("link", name="审计日志").click()
    page.wait_for_url(server.url + "/audit/")
    assert "accounts.user.logged_in" in page.locator("#results").inner_text()
    page.locator("header.wt-topbar .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.goto(server.url + "/audit/")
    assert "/accounts/login/" in page.url

    # --- second start: same data dir, same login, up in seconds --------------------------------
    server.stop()
    assert server.process.returncode is not None
    started = time.monotonic()
    again = start_server(data_dir)
    servers.append(again)
    second_login = again.wait_for_line(LOGIN_LINE, timeout=20)
    again.wait_until_healthy(timeout=20)
    elapsed = time.monotonic() - started
    assert isinstance(second_login, re.Match)
    assert (second_login["username"], second_login["password"]) == (username, password)
    assert not any("演示辖区" in line for line in again.seen), "the second start must not rebuild the demo"
    assert elapsed < 20, f"second start took {elapsed:.1f} s"

    page.goto(again.url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(again.url + "/")
    assert page.locator("main h1").inner_text() == "工作台"
