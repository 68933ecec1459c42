"""Import pages of the registry: upload, progress, preview with errors, confirm, history, templates.

Validation and commit run as background tasks (``wutong.core.tasks``); the batch page polls its
progress with HTMX until the preview is ready. Only roles with ``enterprises.import`` get here.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wutong.accounts.roles import has_capability
from wutong.core import access, imports
from wutong.core.choices import ImportStatus
from wutong.core.exceptions import DomainError
from wutong.core.exports import file_response
from wutong.core.models import ImportBatch

KINDS = ("enterprises", "annual", "ip")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _require(request: HttpRequest) -> None:
    if not has_capability(request.user, "enterprises.import"):
        raise PermissionDenied(_("无权导入数据"))


def check_upload(upload: Any) -> str | None:
    """Why an uploaded file is refused (None when it is acceptable): extension, size, magic bytes, macros."""
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in imports.SPREADSHEET_SUFFIXES:
        if suffix in {".xlsm", ".xlsb", ".xltm"}:
            return _("不接受含宏的 Excel 文件（%(s)s），请另存为 .xlsx") % {"s": suffix}
        return _("只接受 .xlsx、.xls 或 .csv 文件")
    if upload.size > settings.WUTONG_UPLOAD_MAX_BYTES:
        return _("文件超过 %(mb)d MB") % {"mb": settings.WUTONG_UPLOAD_MAX_BYTES // (1024 * 1024)}
    if upload.size == 0:
        return _("文件是空的")
    head = upload.read(8)
    upload.seek(0)
    if suffix == ".xlsx":
        if not head.startswith(b"PK\x03\x04"):
            return _("文件内容不是 .xlsx（扩展名与内容不符）")
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        except zipfile.BadZipFile:
            return _("文件内容不是 .xlsx（扩展名与内容不符）")
        finally:
            upload.seek(0)
        if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
            return _("文件含有宏，已拒绝；请另存为不含宏的 .xlsx")
        if "xl/workbook.xml" not in names:
            return _("文件内容不是 .xlsx（扩展名与内容不符）")
    elif suffix == ".xls":
        if head != OLE_MAGIC:
            return _("文件内容不是 .xls（扩展名与内容不符）")
        data = upload.read()
        upload.seek(0)
        if (
            b"_\x00V\x00B\x00A\x00_\x00P\x00R\x00O\x00J\x00E\x00C\x00T" in data
            or b"V\x00B\x00A\x00\x00\x00" in data
        ):
            return _("文件含有宏，已拒绝；请另存为不含宏的文件")
    else:
        sample = upload.read(65536)
        upload.seek(0)
        if b"\x00" in sample or sample.startswith((b"PK\x03\x04", OLE_MAGIC)):
            return _("文件内容不是文本格式的 CSV（扩展名与内容不符）")
    return None


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("导入内容"), choices=())
    file = forms.FileField(
        label=gettext_lazy("文件"), help_text=gettext_lazy(".xlsx、.xls 或 .csv（UTF-8 或 GBK）")
    )
    as_of = forms.DateField(
        label=gettext_lazy("数据截至日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field: Any = self.fields["kind"]
        kind_field.choices = [(k, imports.get_kind(k).label) for k in KINDS]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        problem = check_upload(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload


def import_upload(request: HttpRequest) -> HttpResponse:
    """The upload page with the history of batches below it."""
    _require(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = imports.start_import(
                form.cleaned_data["kind"],
                form.cleaned_data["file"],
                actor=request.user,
                as_of=form.cleaned_data["as_of"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("enterprises:importbatch_detail", pk=batch.pk)
    batches = access.scope(ImportBatch.objects.filter(kind__in=KINDS), request.user).select_related(
        "uploaded_by"
    )[:50]
    return render(
        request,
        "enterprises/import/upload.html",
        {
            "title": _("数据导入"),
            "form": form,
            "batches": batches,
            "kinds": [(k, imports.get_kind(k).label) for k in KINDS],
            "max_mb": settings.WUTONG_UPLOAD_MAX_BYTES // (1024 * 1024),
        },
    )


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    _require(request)
    return get_object_or_404(access.scope(ImportBatch.objects.filter(kind__in=KINDS), request.user), pk=pk)


def importbatch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress (polled by HTMX while a task runs), then the preview with counts and errors."""
    batch = _batch(request, pk)
    running = batch.status in {ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.COMMITTING}
    context = {
        "title": _("导入批次 %(name)s") % {"name": batch.file_name},
        "batch": batch,
        "running": running,
        "kind_label": imports.get_kind(batch.kind).label,
        "errors": batch.errors[:500],
        "warnings": (batch.options or {}).get("warnings", [])[:200],
        "accepted": max(batch.total_rows - batch.rejected_count, 0),
    }
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "enterprises/import/batch.html#status", context)
        if not running:
            response["HX-Refresh"] = "true"  # the task finished: show the full preview
        return response
    return render(request, "enterprises/import/batch.html", context)


@require_POST
def importbatch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        imports.confirm_import(batch, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已确认，正在写入。"))
    return redirect("enterprises:importbatch_detail", pk=batch.pk)


def importbatch_rejected(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows as they were in the file, with a 错误原因 column."""
    return file_response(*imports.rejected_rows_download(_batch(request, pk)))


def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    _require(request)
    if kind not in KINDS:
        raise Http404
    return file_response(*imports.template_download(kind))
