"""``wutong serve``: the embedded way to run Wutong — migrate, seed the demo district on an empty
database, make sure an administrator exists, start the background worker, and serve HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

ADMIN_USERNAME = "admin"


def ensure_admin(stdout: Any) -> tuple[str, str | None]:
    """Create the first administrator once; its generated password is kept (0600) in the data dir."""
    from wutong.accounts.choices import Role
    from wutong.accounts.models import User

    login_file = settings.DATA_DIR / "admin-login.txt"
    user = User.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        password = (
            get_random_string(6, "abcdefghjkmnpqrstuvwxyz")
            + get_random_string(4, "ABCDEFGHJKLMNPQRSTUVWXYZ")
            + get_random_string(4, "23456789")
            + "!"
        )
        User.objects.create_superuser(
            ADMIN_USERNAME, password=password, display_name="系统管理员", role=Role.ADMIN
        )
        login_file.write_text(f"{ADMIN_USERNAME}\n{password}\n")
        login_file.chmod(0o600)
        return ADMIN_USERNAME, password
    if login_file.exists():
        lines = login_file.read_text().splitlines()
        if len(lines) >= 2 and user.check_password(lines[1]):
            return ADMIN_USERNAME, lines[1]
    return ADMIN_USERNAME, None


class Command(BaseCommand):
    help = "Run Wutong: migrate, load the demo district when empty, start the worker, serve HTTP."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("WUTONG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("WUTONG_PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true", help="do not start the background worker")
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo district")
        parser.add_argument(
            "--demo-enterprises",
            type=int,
            default=int(os.environ.get("WUTONG_DEMO_ENTERPRISES", "20000")),
            help="size of the demo district built on an empty database (default 20,000)",
        )
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        from wutong.accounts.models import User

        if not options["no_demo"] and not User.objects.exists():
            self.stdout.write("首次运行：正在生成演示辖区数据（约 1 分钟）… / building the demo district…")
            call_command("demo", enterprises=options["demo_enterprises"], stdout=self.stdout)
            self.stdout.write(
                self.style.WARNING(
                    "演示账号共用一个公开的密码：生产环境请用 --no-demo 启动。"
                    " / Demo users share a public password: run production with --no-demo."
                )
            )
        username, password = ensure_admin(self.stdout)
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"梧桐 Wutong 已启动: {url}"))
        if password:
            self.stdout.write(f"管理员登录 / administrator login:  用户名 {username}  密码 {password}")
        else:
            self.stdout.write(f"管理员 / administrator: {username} (密码已被修改 / password was changed)")
        self.stdout.flush()

        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-m", "wutong", "db_worker", "--queue-name", "*", "--interval", "1"],
                env=os.environ.copy(),
            )

        def stop(*_: Any) -> None:
            if worker is not None:
                worker.terminate()
            sys.exit(0)

        signal.signal(signal.SIGTERM, stop)
        from waitress import serve

        from wutong.config.wsgi import application

        try:
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="wutong",
            )
        finally:
            if worker is not None:
                worker.terminate()
