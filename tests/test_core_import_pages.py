"""The import pages every module shares (:mod:`wutong.core.views_import`): each namespace sees only its
own kinds and batches, confirming needs POST, and the history names kinds in Chinese."""

from __future__ import annotations

from django.urls import reverse

from wutong.core import imports
from wutong.core.models import ImportBatch


def _batch(kind: str, user) -> ImportBatch:  # type: ignore[no-untyped-def]
    return ImportBatch.objects.create(kind=kind, file_name=f"{kind}.csv", uploaded_by=user)


def test_a_module_sees_only_the_batches_and_templates_of_its_own_kinds(client, admin_user):
    client.force_login(admin_user)
    registry = _batch("enterprises", admin_user)
    investment = _batch("investment_targets", admin_user)
    assert client.get(reverse("enterprises:importbatch_detail", args=[registry.pk])).status_code == 200
    assert client.get(reverse("enterprises:importbatch_detail", args=[investment.pk])).status_code == 404
    assert client.get(reverse("investment:importbatch_detail", args=[registry.pk])).status_code == 404
    assert client.get(reverse("enterprises:import_template", args=["investment_targets"])).status_code == 404
    assert client.get(reverse("investment:import_template", args=["annual"])).status_code == 404
    history = client.get(reverse("enterprises:import_upload")).content.decode()
    assert "enterprises.csv" in history and "investment_targets.csv" not in history
    label = imports.get_kind("enterprises").label
    assert f"<td>{label}</td>" in history and "<td>enterprises</td>" not in history  # kinds by label


def test_confirming_a_batch_needs_post(client, admin_user):
    client.force_login(admin_user)
    batch = _batch("enterprises", admin_user)
    response = client.get(reverse("enterprises:importbatch_confirm", args=[batch.pk]))
    assert response.status_code == 405


def test_the_pages_carry_the_module_breadcrumb_and_tabs(client, admin_user):
    client.force_login(admin_user)
    registry = client.get(reverse("enterprises:import_upload")).content.decode()
    assert reverse("enterprises:enterprise_list") in registry and "按统一社会信用代码更新已有企业" in registry
    investment = client.get(reverse("investment:import_upload")).content.decode()
    assert 'id="investment-nav"' in investment and "招商数据导入" in investment
