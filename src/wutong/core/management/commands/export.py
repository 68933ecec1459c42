"""``wutong export enterprises FILE.xlsx|.csv``: every column of the import kind, money in 万元 as the
template headers say, so an exported file imports back with zero changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wutong.core.imports import export_file, get_kind, kinds


class Command(BaseCommand):
    help = "导出为导入模板格式（.xlsx 或 .csv）。Export in the import template's format."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="enterprises")
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind = get_kind(options["kind"])
        except LookupError:
            raise CommandError(f"未知的导出类型：{options['kind']}（可选：{'、'.join(kinds())}）")
        path = Path(options["file"])
        if path.suffix.lower() not in {".xlsx", ".csv"}:
            raise CommandError("文件名应以 .xlsx 或 .csv 结尾")
        try:
            count = export_file(kind, path)
        except NotImplementedError:
            raise CommandError(f"{options['kind']} 暂不支持导出")
        self.stdout.write(f"已导出 {count} 行到 {path}")
