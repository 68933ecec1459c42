"""Two refinements of the registry's indexes at 3 M rows.

- The USCC's unique index with the default operator class: it then also serves ordering the list by
  code, and USCC prefixes are asked for as a range (``search.code_prefix_q``), which it serves too.
- Finer planner statistics for the industry code (PostgreSQL). The list filters by street, status
  and an industry range (大类 12 holds 0.07 % of the registry, 门类 C 40 %). With the default 100
  histogram buckets a small 大类 is estimated ten times too large, and the planner walks the whole
  street in name order (130 ms) instead of reading the industry's few thousand rows through
  (industry, name) and sorting them (3 ms). GB/T 4754 has 1,381 小类: a target of 1,000 keeps
  nearly all of them as most-common values.

On SQLite the constraint change rebuilds the table, which drops its triggers: the search index is
installed again (as after every migration that rebuilds the registry table there).
"""

from django.db import migrations, models


def install(apps, schema_editor):
    from wutong.enterprises.search import install_search_index

    install_search_index(schema_editor.connection, executor=schema_editor.execute)


def more_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE enterprises_enterprise ALTER COLUMN industry_code SET STATISTICS 1000"
        )


def default_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE enterprises_enterprise ALTER COLUMN industry_code SET STATISTICS -1"
        )


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0004_index_diet")]

    operations = [
        migrations.RemoveConstraint(model_name="enterprise", name="enterprise_uscc_unique"),
        migrations.AddConstraint(
            model_name="enterprise",
            constraint=models.UniqueConstraint(fields=("uscc",), name="enterprise_uscc_unique"),
        ),
        migrations.RunPython(install, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(more_statistics, default_statistics, elidable=False),
    ]
