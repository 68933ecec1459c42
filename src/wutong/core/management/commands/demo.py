"""``wutong demo [--enterprises N] [--seed S] [--reset]``: build the deterministic demo district.

The same seed (and as-of date) gives the same data, whatever the chunk size. Running it again over
an existing demo is refused; ``--reset`` deletes the earlier demo's enterprises first (org units and
users are upserted, so logins and their audit history survive a reset). Each chunk commits on its
own, so an interrupted run leaves a partial demo: run again with ``--reset``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wutong.core.demo import DEFAULT_CHUNK, DEFAULT_ENTERPRISES, DEFAULT_SEED, DemoContext, DemoExistsError


class Command(BaseCommand):
    help = "生成演示辖区数据 / build the deterministic synthetic demo district"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enterprises", type=int, default=DEFAULT_ENTERPRISES, help="企业数 (默认 20000)"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子：相同种子生成相同数据")
        parser.add_argument("--reset", action="store_true", help="先删除已有的演示数据再生成")
        parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK, help="每批写入的企业数")
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, default=None,
            help="数据截至日期 (YYYY-MM-DD，默认今天)；固定它可跨日复现完全相同的数据",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        from wutong.core.demo import build_demo

        if options["enterprises"] < 0 or options["chunk_size"] < 1:
            raise CommandError("--enterprises 不能为负数，--chunk-size 至少为 1")
        ctx = DemoContext(
            seed=options["seed"],
            enterprises=options["enterprises"],
            chunk_size=options["chunk_size"],
            stdout=self.stdout,
            verbosity=options["verbosity"],
        )
        if options["as_of"] is not None:
            ctx.as_of = options["as_of"]
        try:
            build_demo(ctx, reset=options["reset"])
        except DemoExistsError as exc:
            raise CommandError(
                f"演示数据已存在（{exc}）。使用 --reset 删除后重新生成。 / demo data exists; use --reset."
            ) from None
        rows = sum(ctx.counts.values())
        self.stdout.write(self.style.SUCCESS(f"演示辖区已生成: {ctx.enterprises:,} 家企业, {rows:,} 行"))
        self.stdout.write(f"演示账号统一密码 / demo password: {ctx.password}")
        for role, users in sorted(ctx.users.items()):
            names = ", ".join(u.username for u in users[:6]) + (" …" if len(users) > 6 else "")
            self.stdout.write(f"  {role:<16} {names}")
