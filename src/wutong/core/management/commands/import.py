"""``wutong import enterprises|annual|ip FILE``: validate a spreadsheet and commit its accepted rows.

Exit code 0 when the file was read and the accepted rows were committed — even when some rows were
rejected (they are listed; correct them and import again) — and for ``--dry-run``. Exit code 1
when the file cannot be read at all (type, encoding, no header row, a missing required column) or
the commit failed (nothing was written then). ``--json`` prints exactly
``{"created", "updated", "unchanged", "rejected", "errors": [{"row", "column", "message"}]}``
(``errors`` lists at most the first 10,000 cell errors; ``rejected`` always counts every row).

Rows with errors never block the commit: the issue asks to commit "all accepted rows or none", so
rejected rows are excluded and listed, and the accepted rows are written in ONE transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from wutong.core.choices import ImportStatus
from wutong.core.imports import FileError, ImportResult, get_kind, kinds, run_import, save_result
from wutong.core.models import ImportBatch


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Progress:
    """A one-line progress bar on stderr (only for large files or a terminal)."""

    def __init__(self, stream: Any, enabled: bool) -> None:
        self.stream, self.enabled, self.last = stream, enabled, -1

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        percent = min(100, int(100 * done / total)) if total else 100
        if percent != self.last:
            self.last = percent
            bar = "#" * (percent // 4)
            self.stream.write(f"\r导入进度 [{bar:<25}] {percent:3d}% {done:,} 行")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.last >= 0:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "导入企业名录 / 年度经营数据 / 知识产权（.xlsx .xls .csv）。Import a spreadsheet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="enterprises | annual | ip")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只校验和预览，不写入 / validate only")
        parser.add_argument("--json", action="store_true", help="以 JSON 输出结果 / print the result as JSON")
        parser.add_argument("--as-of", help="数据截至日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--chunk-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            kind = get_kind(options["kind"])
        except LookupError:
            raise CommandError(f"未知的导入类型：{options['kind']}（可选：{'、'.join(kinds())}）")
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"文件不存在：{path}")
        as_of = None
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError("--as-of 应为 YYYY-MM-DD")
        progress = Progress(sys.stderr, path.stat().st_size > 2_000_000 or sys.stderr.isatty())
        dry_run = options["dry_run"]
        batch = None
        if not dry_run:
            with transaction.atomic():
                batch = ImportBatch.objects.create(
                    kind=kind.name,
                    file_name=path.name,
                    file_sha256=file_sha256(path),
                    status=ImportStatus.COMMITTING,
                    as_of=as_of or timezone.localdate(),
                    options={"cli": True},
                )
        try:
            result = run_import(
                kind,
                path,
                commit=not dry_run,
                batch=batch,
                as_of=as_of,
                progress=progress,
                chunk_size=options["chunk_size"],
            )
        except FileError as exc:
            progress.close()
            self._fail(batch, str(exc))
            raise CommandError(str(exc))
        except Exception as exc:
            progress.close()
            self._fail(batch, f"写入失败，未写入任何数据：{exc}")
            raise CommandError(f"写入失败，未写入任何数据：{exc}")
        progress.close()
        if batch is not None:
            save_result(batch, result, committed=True)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
        else:
            self.stdout.write(summary(result, dry_run=dry_run))

    def _fail(self, batch: ImportBatch | None, message: str) -> None:
        if batch is not None:
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.FAILED, message=message[:2000], finished_at=timezone.now()
            )


def summary(result: ImportResult, *, dry_run: bool) -> str:
    lines = [
        ("预览（未写入）" if dry_run else "导入完成") + f"：共 {result.total_rows} 行",
        f"  新增 {result.created}，更新 {result.updated}，未变化 {result.unchanged}，拒绝 {result.rejected}，"
        f"疑似重复 {result.duplicates}",
    ]
    for error in result.errors[:50]:
        lines.append(f"  第{error.row}行 [{error.column}] {error.message}")
    if len(result.errors) > 50:
        lines.append(f"  …… 另有 {len(result.errors) - 50} 条错误（用 --json 查看全部）")
    for warning in result.warnings[:20]:
        lines.append(f"  提示 第{warning.row}行 [{warning.column}] {warning.message}")
    return "\n".join(lines)
