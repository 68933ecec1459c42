"""``wutong escalate_demands``: escalate overdue demands (level 1 section head, level 2 督办).

Idempotent: run it as often as you like (cron, daily). ``--date`` runs as of another day.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wutong.demands.services import escalate_overdue_demands


class Command(BaseCommand):
    help = "将超期诉求升级督办（一级：科室负责人；二级：局领导）。可重复运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date", type=dt.date.fromisoformat, default=None, help="按该日期计算 (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--level-two-after", type=int, default=None, help="超期超过多少个工作日升级为局领导督办（默认 3）"
        )
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = escalate_overdue_demands(today=options["date"], level_two_after=options["level_two_after"])
        if options["json"]:
            self.stdout.write(json.dumps(counts))
        else:
            self.stdout.write(
                f"检查超期诉求 {counts['checked']} 件；升级为科室负责人督办 {counts['level_1']} 件，"
                f"局领导督办 {counts['level_2']} 件。"
            )
