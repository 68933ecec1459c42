"""Shared helpers for the import tests: valid USCCs and files written the way bureaus write them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from wutong.enterprises.identity import uscc_check_char


def uscc(n: int, prefix: str = "91440303MA5") -> str:
    body = f"{prefix}{n:06d}"[:17]
    return body + uscc_check_char(body)


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]], *, title: str | None = None, blank_rows: int = 0) -> Path:
    """An .xlsx as offices make them: an optional title merged across the columns, blank rows, then the table."""
    import datetime as dt

    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("名录")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    offset = 0
    if title:
        sheet.merge_range(0, 0, 0, max(len(rows[0]) - 1, 1), title, workbook.add_format({"bold": True}))
        offset = 1
    offset += blank_rows
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(
                    r + offset, c, dt.datetime(value.year, value.month, value.day), date_format
                )
            elif isinstance(value, int | float):
                sheet.write_number(r + offset, c, value)
            else:
                sheet.write_string(r + offset, c, str(value))
    workbook.close()
    return path
