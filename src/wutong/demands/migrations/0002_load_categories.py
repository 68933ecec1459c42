"""The nine demand categories the bureau starts with (staff edit them afterwards).

Default departments are matched by name when those org units already exist (an upgraded
install); on a fresh database they are left empty and set by staff or by ``wutong demo``.
"""

from django.db import migrations

#: (code, name, keywords, reply working days, default department names in order of preference, section)
CATEGORIES = [
    ("housing", "人才住房", "住房 公寓 人才房 租房 保障房 安居", 5, ["区住房和建设局"], "人才工作科"),
    ("finance", "融资", "融资 贷款 担保 上市 基金 授信 贴息", 5, ["区金融工作局"], "企业服务科"),
    ("space", "产业空间/用房", "用房 厂房 场地 办公 空间 租金 园区 载体", 5,
     ["区规划和自然资源局", "产业发展科（招商科）"], "产业发展科（招商科）"),
    ("policy", "政策兑现", "补贴 资助 兑现 奖励 扶持 拨付 申报", 5, ["企业服务科"], "企业服务科"),
    ("ip", "知识产权", "专利 商标 版权 知识产权 侵权 维权", 5, ["知识产权科"], "知识产权科"),
    ("qualification", "资质认定", "高新 国高 专精特新 小巨人 认定 资质 科小", 5,
     ["科技创新科（国高办）"], "科技创新科（国高办）"),
    ("approval", "审批", "审批 许可 备案 证照 办证 验收 消防", 3, ["企业服务科"], "企业服务科"),
    ("talent", "人才", "人才 招聘 落户 引进 社保 职称 入学", 5, ["区人力资源局", "人才工作科"], "人才工作科"),
    ("other", "其他", "", 5, ["企业服务科"], "企业服务科"),
]  # fmt: skip


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    Category = apps.get_model("demands", "DemandCategory")
    OrgUnit = apps.get_model("accounts", "OrgUnit")

    def unit(names, kinds):  # type: ignore[no-untyped-def]
        for name in names:
            found = OrgUnit.objects.filter(name=name, kind__in=kinds).first()
            if found:
                return found
        return None

    for order, (code, name, keywords, reply_days, departments, section) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "keywords": keywords,
                "reply_days": reply_days,
                "accept_days": 1,
                "order": order,
                "default_department": unit(departments, ["partner_department", "section"]),
                "section": unit([section], ["section"]),
            },
        )


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("demands", "DemandCategory").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("demands", "0001_initial"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
