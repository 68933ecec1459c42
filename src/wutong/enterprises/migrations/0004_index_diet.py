"""The registry table's index diet (27 indexes on PostgreSQL → 9) and the search index moved to its
own table on PostgreSQL. Each remaining index and its reader: docs/adr/0005-search-at-scale.md."""

import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from wutong.enterprises.search import install_search_index

    install_search_index(schema_editor.connection, executor=schema_editor.execute)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_load_reference"),
        ("enterprises", "0003_list_order_indexes"),
    ]

    operations = [
        # Uniqueness first, so the USCC is never without it while the old index goes.
        migrations.AddConstraint(
            model_name="enterprise",
            constraint=models.UniqueConstraint(
                fields=("uscc",), name="enterprise_uscc_unique", opclasses=["varchar_pattern_ops"]
            ),
        ),
        migrations.RemoveIndex(
            model_name="enterprise",
            name="enterprises_street__51d85c_idx",
        ),
        migrations.RemoveIndex(
            model_name="enterprise",
            name="enterprises_industr_4a9a4c_idx",
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="established",
            field=models.DateField(blank=True, null=True, verbose_name="成立日期"),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="industry",
            field=models.ForeignKey(
                blank=True,
                db_column="industry_code",
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.industry",
                to_field="code",
                verbose_name="国民经济行业",
            ),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="name",
            field=models.CharField(max_length=200, verbose_name="企业名称"),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="name_initials",
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name="名称首字母"),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="name_normalized",
            field=models.CharField(editable=False, max_length=200, verbose_name="规范化名称"),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="park",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.park",
                verbose_name="园区/楼宇",
            ),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="size_class",
            field=models.CharField(
                choices=[
                    ("large", "大型"),
                    ("medium", "中型"),
                    ("small", "小型"),
                    ("micro", "微型"),
                    ("unknown", "未划型"),
                ],
                default="unknown",
                help_text="按工信部联企业〔2011〕300号由最近年度从业人员和营业收入计算",
                max_length=10,
                verbose_name="企业规模",
            ),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="source_batch",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.importbatch",
                verbose_name="导入批次",
            ),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "存续/在业"),
                    ("moved_out", "迁出"),
                    ("deregistered", "注销"),
                    ("revoked", "吊销"),
                ],
                default="active",
                max_length=20,
                verbose_name="经营状态",
            ),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="street",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.street",
                verbose_name="所属街道",
            ),
        ),
        migrations.AlterField(
            model_name="enterprise",
            name="uscc",
            field=models.CharField(max_length=18, verbose_name="统一社会信用代码"),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["name"], name="enterprise_name"),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(
                fields=["name_normalized"],
                name="enterprise_name_normalized",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["park"], name="enterprise_park"),
        ),
        migrations.AddIndex(
            model_name="enterprise",
            index=models.Index(fields=["established"], name="enterprise_established"),
        ),
        # Move the search index beside the registry (PostgreSQL: its own table, out of the write path
        # of imports) and renew the triggers that the table rebuilds above dropped (SQLite).
        migrations.RunPython(install, migrations.RunPython.noop, elidable=False),
    ]
