"""The pre-visit brief: the HTML page and the DOCX carry the profile, the last three years' figures
in 万元, open demands, qualifications (expiring ones flagged), past visits with next steps, and
sections other modules register; 机密 next steps stay hidden from those who may not read them."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.fixtures.clock import frozen_today  # noqa: F401  (autouse: today is 2026-11-24)
from wutong.demands.models import DemandCategory
from wutong.demands.services import submit_demand
from wutong.enterprises.choices import QualificationKind
from wutong.enterprises.models import AnnualReport, Enterprise, QualificationHolding, Tag
from wutong.visits import brief
from wutong.visits.choices import Confidentiality, VisitStatus, VisitType
from wutong.visits.models import Visit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def firm(org, alice):  # type: ignore[no-untyped-def]
    enterprise = Enterprise.objects.create(
        name="深圳市梧桐芯片科技有限公司", uscc="91440303MA5G000123", legal_representative="王芯"
    )
    enterprise.tags.add(Tag.objects.create(name="链主"))
    for year, revenue, rd, tax, staff in [
        (2022, "80000000", "5000000", "3000000", 180),
        (2023, "95000000", "6200000", "3500000", 210),
        (2024, "123456789.00", "8765432.10", "4321000", 260),
        (2025, "150000000", "10000000", "5000000", 300),
    ]:
        AnnualReport.objects.create(
            enterprise=enterprise,
            year=year,
            operating_revenue=Decimal(revenue),
            rd_expense=Decimal(rd),
            tax_paid=Decimal(tax),
            employees=staff,
        )
    QualificationHolding.objects.create(
        enterprise=enterprise,
        kind=QualificationKind.GAOXIN,
        certificate_no="GR202344201234",
        expires_on=dt.date(2027, 5, 1),
    )
    QualificationHolding.objects.create(
        enterprise=enterprise,
        kind=QualificationKind.KEXIAO,
        certificate_no="OLD-1",
        expires_on=dt.date(2025, 1, 1),
    )
    submit_demand(
        enterprise=enterprise,
        category=DemandCategory.objects.get(code="space"),
        content="扩产需要新增两千平方米厂房",
        actor=alice,
    )
    for day, notes, steps, level in [
        (dt.date(2026, 3, 2), "经营正常", "跟进国高申报", Confidentiality.NORMAL),
        (dt.date(2026, 9, 9), "有外迁意向", "协调区领导约谈", Confidentiality.SECRET),
    ]:
        v = Visit.objects.create(
            enterprise=enterprise,
            visit_date=day,
            status=VisitStatus.DONE,
            visit_type=VisitType.ROUTINE,
            organising_unit=org["tech"],
            purpose="走访",
            notes=notes,
            next_steps=steps,
            confidentiality=level,
            created_by=alice,
            recorded_at=timezone.now(),
        )
        v.visitors.set([alice])
    return enterprise


def test_the_brief_page_shows_the_profile_figures_in_wan_yuan_demands_qualifications_and_visits(
    client, firm, bob
):
    client.force_login(bob)  # section head of the visitors' unit: may read the 机密 next steps
    response = client.get(reverse("visits:brief", args=[firm.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "深圳市梧桐芯片科技有限公司" in html and "91440303MA5G000123" in html and "链主" in html
    # the last three years only, in 万元 with two decimals
    assert "12,345.68" in html and "876.54" in html and "15,000.00" in html and "432.10" in html
    assert "8,000.00" not in html  # 2022 is the fourth year back
    assert "扩产需要新增两千平方米厂房" in html
    assert "GR202344201234" in html and "12个月内到期" in html and "OLD-1" not in html
    assert "跟进国高申报" in html and "协调区领导约谈" in html
    assert "2026年11月24日" in html


def test_a_staff_member_of_another_section_sees_secret_next_steps_hidden(client, firm, carol):
    client.force_login(carol)
    html = client.get(reverse("visits:brief", args=[firm.pk])).content.decode()
    assert "跟进国高申报" in html and "协调区领导约谈" not in html and "机密，无权查看" in html


def test_the_docx_opens_and_carries_the_name_and_the_figures_in_wan_yuan(client, firm, bob):
    client.force_login(bob)
    response = client.get(reverse("visits:brief_docx", args=[firm.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "走访前企业简报" in text and "深圳市梧桐芯片科技有限公司" in text
    assert "生成日期：2026年11月24日" in text
    assert "近三年经营数据（金额单位：万元）" in text
    assert "12,345.68" in cells and "15,000.00" in cells and "876.54" in cells
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    title_run = document.paragraphs[0].runs[0]
    assert title_run.font.size.pt == 22 and title_run.font.name == "黑体"


def test_other_modules_add_sections_to_the_brief(firm, bob):
    def gaps(enterprise, user, today):  # type: ignore[no-untyped-def]
        return brief.Section(
            "资质差距", rows=[["国高", "研发费用占比差 0.5 个百分点"]], headers=["资质", "差距"]
        )

    brief.register_section(brief.BriefSection("test_gaps", "资质差距", 45, gaps))
    try:
        data = brief.build_brief(firm, bob, TODAY)
    finally:
        brief._sections.pop("test_gaps")
    keys = [s.key for s in data["sections"]]
    assert keys.index("qualifications") < keys.index("test_gaps") < keys.index("visits")
    assert data["sections"][keys.index("test_gaps")].rows == [["国高", "研发费用占比差 0.5 个百分点"]]


def test_the_brief_is_for_bureau_users_only(client, firm, partner, enterprise_user, agency_user):
    for user in (partner, enterprise_user, agency_user):
        client.force_login(user)
        assert client.get(reverse("visits:brief", args=[firm.pk])).status_code == 403


def test_money_and_dates_are_written_the_way_officials_read_them():
    assert brief.wan(Decimal("123456789.00")) == "12,345.68"
    assert brief.wan(None) == "—"
    assert brief.cn_date(dt.date(2026, 1, 5)) == "2026年1月5日"
