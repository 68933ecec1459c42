"""Large files are read and parsed in a second process while the first plans and writes: the
outcome (counts, every error and warning, the rows written) is exactly that of one process."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import pickle
from typing import Any

import pytest
from django.db import DatabaseError, transaction

from tests.fixtures.import_files import uscc, write_csv, write_xlsx
from tests.test_imports import HEADER
from wutong.core import imports
from wutong.core.imports import MISSING
from wutong.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def mixed_rows(n: int) -> list[list[Any]]:
    """New rows with, here and there, every kind of problem a file has."""
    rows: list[list[Any]] = []
    for i in range(1, n + 1):
        name = f"深圳市样本{i % 17}号科技有限公司"
        row: list[Any] = [uscc(i), name, "王五", "2018-06-01", f"{i}.5", "存续", "6513", "桂园街道", ""]
        if i % 3 == 0:
            row[8] = "重点企业"
        if i % 11 == 0:
            row[3] = "2019-02-30"  # no such day
        if i % 13 == 0:
            row[7] = "火星街道"
        if i % 19 == 0:
            row[0] = uscc(i - 1)  # the code of the row above
        if i % 23 == 0:
            row = [""] * len(HEADER)  # an empty row
        if i % 29 == 0:
            row[4] = "1e400"
        rows.append(row)
    return rows


class Rollback(Exception):
    pass


def _outcome(path, *, commit: bool, piped: bool, monkeypatch) -> dict[str, Any]:
    calls = {"n": 0}
    real = imports._in_reading_process

    def spy(parsed, run):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return real(parsed, run)

    monkeypatch.setattr(imports, "_in_reading_process", spy)
    monkeypatch.setattr(imports, "PIPELINE_MIN_ROWS", 0 if piped else 10**9)
    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            result = imports.run_import("enterprises", path, commit=commit, chunk_size=7)
            out = {
                "json": result.as_json(),
                "counts": result.counts(),
                "warnings": [w.as_dict() for w in result.warnings],
                "rows": sorted(
                    Enterprise.objects.values_list(
                        "uscc",
                        "name",
                        "name_normalized",
                        "name_pinyin",
                        "name_initials",
                        "established",
                        "registered_capital",
                        "street_id",
                        "industry_id",
                        "status",
                        "created_at",
                    )
                ),
                "tags": sorted(Enterprise.tags.through.objects.values_list("enterprise__uscc", "tag__name")),
            }
            raise Rollback
    except Rollback:
        pass
    assert calls["n"] == (1 if piped else 0)
    return out


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
@pytest.mark.parametrize("commit", [False, True])
def test_a_file_read_in_a_second_process_imports_exactly_as_in_one(
    tmp_path, monkeypatch, time_machine, suffix, commit
):
    time_machine.move_to(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), tick=False)
    imports.run_import(
        "enterprises", write_csv(tmp_path / "old.csv", [HEADER, *mixed_rows(20)[:9]]), commit=True
    )
    rows = [HEADER, *mixed_rows(80)]
    path = (
        write_csv(tmp_path / "file.csv", rows)
        if suffix == "csv"
        else write_xlsx(tmp_path / "file.xlsx", rows)
    )
    one = _outcome(path, commit=commit, piped=False, monkeypatch=monkeypatch)
    two = _outcome(path, commit=commit, piped=True, monkeypatch=monkeypatch)
    assert one == two
    assert one["counts"]["rejected"] > 5 and one["counts"]["duplicates"] > 5  # the file exercises both
    assert multiprocessing.active_children() == []


def test_a_file_whose_encoding_changes_after_the_first_megabyte_fails_the_same_way(tmp_path, monkeypatch):
    path = tmp_path / "mixed.csv"
    first = (
        ",".join(HEADER)
        + "\n"
        + "".join(f"{uscc(i)},深圳市样本{i}号科技有限公司\n" for i in range(1, 30_000))
    )
    assert len(first.encode()) > 1 << 20
    path.write_bytes(first.encode("utf-8") + f"{uscc(40_000)},深圳市编码科技有限公司\n".encode("gb18030"))
    for piped in (False, True):
        monkeypatch.setattr(imports, "PIPELINE_MIN_ROWS", 0 if piped else 10**9)
        with pytest.raises(imports.FileError, match="文件编码不一致"):
            imports.run_import("enterprises", path, commit=True)
    assert Enterprise.objects.count() == 0
    assert multiprocessing.active_children() == []


def test_a_failing_commit_stops_the_reading_process_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "PIPELINE_MIN_ROWS", 0)
    calls = {"n": 0}
    real = imports.bulk_insert

    def failing_insert(model, rows):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise DatabaseError("disk full")
        real(model, rows)

    monkeypatch.setattr("wutong.enterprises.imports.bulk_insert", failing_insert)
    path = write_csv(tmp_path / "many.csv", [HEADER, *mixed_rows(200)])
    with pytest.raises(DatabaseError):
        imports.run_import("enterprises", path, commit=True, chunk_size=10)
    assert calls["n"] == 2
    assert Enterprise.objects.count() == 0
    assert multiprocessing.active_children() == []


def test_a_blank_cell_crosses_processes_as_the_same_marker():
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING
    chunk = imports.ParsedChunk([2, 3], {"name": ["甲", MISSING]})
    assert pickle.loads(pickle.dumps(chunk)).columns["name"][1] is MISSING
