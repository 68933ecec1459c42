"""``wutong screen --qualification gaoxin [--date YYYY-MM-DD] [--chunk 20000]``: screen the whole
registry now, in this process (what the ``run_screening`` task does for a run started from the UI).

Prints one JSON line with the run id, the enterprises assessed, the verdict counts and the seconds.
Safe to run twice: results are upserted per enterprise and rule version.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wutong.qualifications import screening
from wutong.qualifications.models import ScreeningRun
from wutong.qualifications.rules import RuleNotFound, get_ruleset, version_in_force
from wutong.qualifications.services import _version_row


class Command(BaseCommand):
    help = "按某项资质的现行规则筛查全部在库企业（分批、集合式查询），结果写入筛查结果。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("-q", "--qualification", default="gaoxin", help="资质代码，默认 gaoxin")
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None, help="评估日期，默认今天")
        parser.add_argument("--chunk", type=int, default=screening.DEFAULT_CHUNK, help="每批企业数")

    def handle(self, *args: Any, **options: Any) -> None:
        on_date = options["date"] or timezone.localdate()
        code = options["qualification"]
        if options["chunk"] < 1:
            raise CommandError("--chunk 至少为 1")
        try:
            get_ruleset(code)
            version = version_in_force(code, on_date)
        except RuleNotFound as exc:
            raise CommandError(str(exc))
        run = ScreeningRun.objects.create(rule_version=_version_row(version), on_date=on_date)
        started = time.perf_counter()
        screening.execute_run(run, chunk=options["chunk"])
        seconds = round(time.perf_counter() - started, 2)
        self.stdout.write(
            json.dumps(
                {"run": run.pk, "processed": run.processed, "counts": run.counts, "seconds": seconds},
                ensure_ascii=False,
            )
        )
