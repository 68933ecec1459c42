"""Tables shared by every app: the audit log, and the Python-rendered body that large lists use."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partialmethod
from typing import Any

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.template import Context
from django.template.base import render_value_in_context
from django.templatetags.l10n import localize, unlocalize
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.columns.manytomanycolumn import ManyToManyColumn
from django_tables2.utils import A, signature

from wutong.core.models import AuditEntry

Cell = Callable[[Any, Any], str]  # (bound row, record) -> the <td>…</td> HTML


class PythonBodyMixin:
    """Renders a table's body rows in Python instead of django-tables2's per-cell template nodes.

    At 50 rows × 9 columns the template's loop (node rendering, ``inspect.signature`` per cell,
    column attributes recomputed per cell) was most of the enterprise list's CPU. The cells come from
    the same column logic (``get_FOO_display`` for choices, ``render_FOO``, ``linkify``, defaults for
    empty values, ``localize``), so the HTML is the template's (``tests/test_enterprise_pages.py``
    compares them). Use with ``template_name = "core/tables/python_body.html"``."""

    columns: Any
    paginated_rows: Any
    empty_text: Any

    def body_html(self) -> SafeString:
        cells = [self._cell_renderer(bound_column) for bound_column in self.columns]
        rows = []
        for row in self.paginated_rows:
            record = row.record
            rows.append(f"<tr {row.attrs.as_html()}>{''.join(cell(row, record) for cell in cells)}</tr>")
        if not rows and self.empty_text:
            colspan = len(self.columns)
            rows.append(format_html('<tr><td colspan="{}">{}</td></tr>', colspan, self.empty_text))
        return mark_safe("".join(rows))  # every piece escaped above or by its column

    def _cell_renderer(self, bound_column: Any) -> Cell:
        column = bound_column.column
        accessor = A(bound_column.accessor)
        render, link, default = bound_column.render, bound_column.link, bound_column.default
        wanted, catch_all = signature(render)
        many_to_many = isinstance(column, ManyToManyColumn)
        text_link = isinstance(column, BaseLinkColumn) and column.text is not None
        context = Context()
        static_td = _static(column.attrs.get("td", column.attrs.get("cell", {}))) and _static(
            getattr(self, "attrs", {}).get("td", {})
        )
        td_attrs = bound_column.attrs["td"].as_html() if static_td else None
        # Per record class: how to show the accessor's field if it has choices (None: it has none).
        displays: dict[type, Callable[[Any], Any] | None] = {}

        def display(penultimate: Any, remainder: str, record: Any) -> Callable[[Any], Any] | None:
            key = type(penultimate)
            if key not in displays:
                try:
                    field = accessor.get_field(record)
                except FieldDoesNotExist:
                    field = None
                name = f"get_{remainder}_display"
                displays[key] = None
                if getattr(field, "choices", ()) and hasattr(penultimate, name):
                    displays[key] = _choice_display(key, name, field)
            return displays[key]

        def content(row: Any, record: Any) -> Any:
            # django_tables2.rows.BoundRow._get_and_render_with, without the per-call introspection.
            value: Any = None
            penultimate, remainder = accessor.penultimate(record)
            shown = display(penultimate, remainder, record) if isinstance(penultimate, Model) else None
            if remainder and shown is not None:
                value = shown(penultimate)
                remainder = None
            kwargs = {
                "value": value,
                "record": record,
                "column": column,
                "bound_column": bound_column,
                "bound_row": row,
                "table": self,
            }
            if remainder:
                try:
                    value = accessor.resolve(record)
                except Exception:  # a column that is no field (django-tables2 issue #257)
                    if text_link:
                        return _call(render, wanted, catch_all, {**kwargs, "value": None}, link)
            if value in column.empty_values or (many_to_many and not value.exists()):
                return default
            kwargs["value"] = value
            return _call(render, wanted, catch_all, kwargs, link)

        def cell(row: Any, record: Any) -> str:
            value = content(row, record)
            if column.localize is None:
                shown = render_value_in_context(value, context)
            else:
                shown = conditional_escape(localize(value) if column.localize else unlocalize(value))
            if td_attrs is None:  # attributes computed from the cell, as BoundRow.items() allows
                bound_column.current_value, bound_column.current_record = value, record
                return f"<td {bound_column.attrs['td'].as_html()}>{shown}</td>"
            return f"<td {td_attrs}>{shown}</td>"

        return cell


def _choice_display(model: type, name: str, field: Any) -> Callable[[Any], Any]:
    """``get_FOO_display`` of ``model``; Django's own one with its choices read once per table
    rather than once per cell (a model that defines its own is asked as it is)."""
    if not isinstance(inspect.getattr_static(model, name, None), partialmethod):
        return lambda instance: getattr(instance, name)()
    labels = dict(make_hashable(field.flatchoices))
    return lambda instance: force_str(
        labels.get(make_hashable(value := getattr(instance, field.attname)), value), strings_only=True
    )


def _static(attrs: Any) -> bool:
    return not any(callable(value) or isinstance(value, dict) for value in dict(attrs).values())


def _call(
    render: Any, wanted: tuple[str, ...], catch_all: str | None, kwargs: dict[str, Any], link: Any
) -> Any:
    """django_tables2.utils.call_with_appropriate with the signature read once per column."""
    if catch_all:
        result = render(**kwargs)
    elif any(name not in kwargs for name in wanted):
        result = None
    else:
        result = render(**{name: kwargs[name] for name in wanted})
    return link(result, **kwargs) if link else result


class AuditEntryTable(tables.Table):
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("时间"))
    changes = tables.TemplateColumn(
        template_name="core/includes/changes_cell.html", verbose_name=_("变更"), orderable=False
    )

    class Meta:
        model = AuditEntry
        fields = ("created_at", "actor_label", "action", "target_type", "target_label", "changes", "ip")
        order_by = "-created_at"
