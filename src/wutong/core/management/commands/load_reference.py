"""``wutong load_reference``: load or refresh GB/T 4754-2017 industries, streets and parks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from wutong.core.reference import load_reference


class Command(BaseCommand):
    help = "Load or update the reference data (industries, streets, parks) from core/data/. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--demo", action="store_true", help="also load the example buildings of the demo district"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        counts = load_reference(include_demo=options["demo"])
        elapsed = time.perf_counter() - started
        summary = (
            "行业 {industries}（新增 {industries_created}，更新 {industries_updated}）；"
            "街道 {streets}（新增 {streets_created}）；园区/楼宇 {parks}（新增 {parks_created}）"
        ).format(**counts)
        self.stdout.write(f"{summary}；用时 {elapsed:.2f} 秒")
