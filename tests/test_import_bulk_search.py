"""A large registry import runs inside ``search.bulk_load``: the search index is suspended while rows
are written and is right again once the import is done (SQLite: before the commit; PostgreSQL: the
catch-up task after it)."""

from __future__ import annotations

import pytest

from tests.fixtures.import_files import write_csv
from tests.test_imports import HEADER, registry_rows
from wutong.core import imports
from wutong.enterprises import search
from wutong.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "imports"],
        }
    }


def test_a_bulk_import_is_searchable_by_fragment_and_pinyin_afterwards(
    tmp_path, monkeypatch, immediate_tasks, admin_user
):
    monkeypatch.setattr(search, "BULK_LOAD_MIN_ROWS", 5)
    entered = []
    real_bulk_load = search.bulk_load

    def watched(expected_rows: int, **kwargs):  # type: ignore[no-untyped-def]
        entered.append(expected_rows)
        return real_bulk_load(expected_rows, **kwargs)

    monkeypatch.setattr(search, "bulk_load", watched)
    path = write_csv(tmp_path / "名录.csv", [HEADER, *registry_rows(12)])
    result = imports.run_import("enterprises", path, commit=True)
    assert result.counts()["created"] == 12 and Enterprise.objects.count() == 12
    assert entered and entered[0] >= 5  # the write phase ran inside bulk_load
    hits = search.search_enterprises("测试7号", admin_user)
    assert [hit.enterprise.name for hit in hits][:1] == ["深圳市测试7号科技有限公司"]
    by_pinyin = [hit.enterprise.name for hit in search.search_enterprises("shiceshi", admin_user)]
    assert len(by_pinyin) == 12 and all("测试" in name for name in by_pinyin)
    by_initials = [hit.enterprise.name for hit in search.search_enterprises("szscs", admin_user)]
    assert len(by_initials) == 12
