"""Excel export of any list: the table's columns, the user's filters, all rows (not one page)."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import escape_uri_path


def xlsx_response(filename: str, headers: list[str], rows: Any, *, sheet: str = "Sheet1") -> HttpResponse:
    """An .xlsx download. ``rows`` is any iterable of sequences; memory stays flat (constant_memory)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "remove_timezone": True})
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#E8F0EA", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for col, title in enumerate(headers):
        worksheet.write(0, col, str(title), bold)
        worksheet.set_column(col, col, max(10, min(40, len(str(title)) * 2 + 2)))
    for row_index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, datetime):
                worksheet.write_datetime(
                    row_index, col, timezone.localtime(value).replace(tzinfo=None), date_format
                )
            elif isinstance(value, date):
                worksheet.write_datetime(
                    row_index, col, datetime(value.year, value.month, value.day), date_format
                )
            elif value is None:
                worksheet.write_blank(row_index, col, None)
            elif isinstance(value, int | float):
                worksheet.write_number(row_index, col, value)
            else:
                worksheet.write_string(row_index, col, str(value))
    worksheet.freeze_panes(1, 0)
    workbook.close()
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def file_response(content: bytes, filename: str, content_type: str = XLSX_CONTENT_TYPE) -> HttpResponse:
    """A download with a Chinese file name that every browser keeps (RFC 5987 encoding)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


def table_to_xlsx(table: Any, filename: str) -> HttpResponse:
    """Export a django-tables2 table (every row of its data, with its exclude_from_export rules)."""
    values = table.as_values()
    headers = next(values)
    return xlsx_response(filename, list(headers), values)
