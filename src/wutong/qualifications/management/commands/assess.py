"""``wutong assess PROFILE.json --qualification gaoxin|kexiao [--date YYYY-MM-DD]``.

Prints one JSON object: qualification, rule_version, assessed_on, verdict, criteria (id, status, value,
threshold, gap, unit, message, flags) and score (min, max, pass_mark, items). Ratios are fractions, money
in 万元. Exit 0 on success; 2 with a Chinese message on stderr for an unreadable or invalid profile, an
unknown qualification or a date no rule version covers. Reads no database.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wutong.qualifications.profiles import ProfileError, load_profile_file
from wutong.qualifications.rules import RuleNotFound, assess, get_ruleset

EXIT_INVALID = 2


class Command(BaseCommand):
    help = "评估一份企业画像（JSON，金额单位万元）是否符合某项资质，输出一个 JSON 对象。"
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("profile", help="企业画像 JSON 文件路径")
        parser.add_argument("--qualification", "-q", required=True, help="资质代码：gaoxin 或 kexiao 等")
        parser.add_argument("--date", help="评估日期 YYYY-MM-DD，默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["qualification"]
        try:
            get_ruleset(code)
        except RuleNotFound as exc:
            raise CommandError(str(exc), returncode=EXIT_INVALID)
        if options.get("date"):
            try:
                on_date = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"评估日期应为 YYYY-MM-DD 格式：{options['date']!r}", returncode=EXIT_INVALID
                )
        else:
            on_date = timezone.localdate()
        try:
            profile = load_profile_file(options["profile"])
            outcome = assess(profile, code, on_date)
        except ProfileError as exc:
            raise CommandError(str(exc), returncode=EXIT_INVALID)
        except RuleNotFound as exc:
            raise CommandError(str(exc), returncode=EXIT_INVALID)
        self.stdout.write(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
