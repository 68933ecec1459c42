"""The import pages every module shares: upload, progress, preview with errors, confirm, rejected rows,
templates — one implementation, configured per module with its kinds and who may import.

A module declares ``ImportPages(namespace="investment", kinds=(…), allowed=can_import, …)`` and
includes ``pages.urlpatterns()`` in its URLconf; the URL names (``import_upload``,
``importbatch_detail``, …) are the same in every namespace. Validation and commit run as background
tasks (``wutong.core.tasks``); the batch page polls its progress with HTMX until the preview is ready.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wutong.core import access, imports
from wutong.core.choices import ImportStatus
from wutong.core.exceptions import DomainError
from wutong.core.exports import file_response
from wutong.core.models import ImportBatch

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RUNNING = frozenset({ImportStatus.PENDING, ImportStatus.VALIDATING, ImportStatus.COMMITTING})


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
    kind = forms.ChoiceField(
        label=gettext_lazy("导入内容"), choices=(), widget=forms.Select(attrs={"class": "form-select"})
    )
    file = forms.FileField(
        label=gettext_lazy("文件"), help_text=gettext_lazy(".xlsx、.xls 或 .csv（UTF-8 或 GBK）")
    )
    as_of = forms.DateField(
        label=gettext_lazy("数据截至日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )

    def __init__(self, *args: Any, kinds: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field: Any = self.fields["kind"]
        kind_field.choices = [(k, imports.get_kind(k).label) for k in kinds]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        problem = check_upload(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload


@dataclass(frozen=True)
class ImportPages:
    """One module's import pages. ``allowed`` decides who may import (and see the batches of these
    kinds); ``home`` is the breadcrumb root as (URL name, label); ``subnav`` an optional template the
    pages include under the title (the module's tabs); ``help`` the rules shown beside the templates."""

    namespace: str
    kinds: tuple[str, ...]
    allowed: Callable[[Any], bool]
    title: str | Promise
    denied: str | Promise
    home: tuple[str, str | Promise] | None = None
    subnav: str = ""
    help: str | Promise = ""

    def urlpatterns(self) -> list[URLPattern]:
        return [
            path("import/", self.upload, name="import_upload"),
            path("import/template/<str:kind>.xlsx", self.template, name="import_template"),
            path("import/batches/<int:pk>/", self.batch_detail, name="importbatch_detail"),
            path("import/batches/<int:pk>/confirm/", require_POST(self.confirm), name="importbatch_confirm"),
            path("import/batches/<int:pk>/rejected.xlsx", self.rejected, name="importbatch_rejected"),
        ]

    # --- helpers ------------------------------------------------------------------------------

    def _require(self, request: HttpRequest) -> None:
        if not self.allowed(request.user):
            raise PermissionDenied(self.denied)

    def _batches(self, request: HttpRequest) -> QuerySet[ImportBatch]:
        return access.scope(ImportBatch.objects.filter(kind__in=self.kinds), request.user)

    def _batch(self, request: HttpRequest, pk: int) -> ImportBatch:
        self._require(request)
        return get_object_or_404(self._batches(request), pk=pk)

    def _context(self, **extra: Any) -> dict[str, Any]:
        ns = self.namespace
        return {
            "pages": self,
            "urls": {
                "upload": f"{ns}:import_upload",
                "template": f"{ns}:import_template",
                "detail": f"{ns}:importbatch_detail",
                "confirm": f"{ns}:importbatch_confirm",
                "rejected": f"{ns}:importbatch_rejected",
            },
            **extra,
        }

    # --- views --------------------------------------------------------------------------------

    def upload(self, request: HttpRequest) -> HttpResponse:
        """The upload page with the history of batches below it."""
        self._require(request)
        form = UploadForm(request.POST or None, request.FILES or None, kinds=self.kinds)
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
                return redirect(f"{self.namespace}:importbatch_detail", pk=batch.pk)
        labels = {k: imports.get_kind(k).label for k in self.kinds}
        batches = [
            (batch, labels.get(batch.kind, batch.kind))
            for batch in self._batches(request).select_related("uploaded_by")[:50]
        ]
        context = self._context(
            title=self.title,
            form=form,
            batches=batches,
            kinds=list(labels.items()),
            max_mb=settings.WUTONG_UPLOAD_MAX_BYTES // (1024 * 1024),
        )
        return render(request, "core/import_upload.html", context)

    def batch_detail(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Progress (polled by HTMX while a task runs), then the preview with counts and errors."""
        batch = self._batch(request, pk)
        running = batch.status in RUNNING
        context = self._context(
            title=_("导入批次 %(name)s") % {"name": batch.file_name},
            batch=batch,
            running=running,
            kind_label=imports.get_kind(batch.kind).label,
            errors=batch.errors[:500],
            warnings=(batch.options or {}).get("warnings", [])[:200],
            accepted=max(batch.total_rows - batch.rejected_count, 0),
        )
        if request.htmx:  # type: ignore[attr-defined]
            response = render(request, "core/import_batch.html#status", context)
            if not running:
                response["HX-Refresh"] = "true"  # the task finished: show the full preview
            return response
        return render(request, "core/import_batch.html", context)

    def confirm(self, request: HttpRequest, pk: int) -> HttpResponse:
        batch = self._batch(request, pk)
        try:
            imports.confirm_import(batch, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已确认，正在写入。"))
        return redirect(f"{self.namespace}:importbatch_detail", pk=batch.pk)

    def rejected(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The rejected rows as they were in the file, with a 错误原因 column."""
        return file_response(*imports.rejected_rows_download(self._batch(request, pk)))

    def template(self, request: HttpRequest, kind: str) -> HttpResponse:
        self._require(request)
        if kind not in self.kinds:
            raise Http404
        return file_response(*imports.template_download(kind))
