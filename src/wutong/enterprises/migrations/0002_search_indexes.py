"""Search indexes for the one-box enterprise search (``wutong.enterprises.search``).

Vendor-aware: on SQLite an FTS5 ``trigram`` external-content table over the enterprise name (and its
pinyin columns) and one over former names, kept in sync by triggers; on PostgreSQL ``pg_trgm`` GIN
indexes plus ``varchar_pattern_ops`` B-trees for prefix lookups. The SQL lives in ``search.py`` so a
later migration that rebuilds the enterprise table on SQLite (which drops triggers) can re-run it.
"""

from django.db import migrations


def up(apps, schema_editor):
    from wutong.enterprises.search import install_search_index

    install_search_index(schema_editor.connection, executor=schema_editor.execute)


def down(apps, schema_editor):
    from wutong.enterprises.search import uninstall_search_index

    uninstall_search_index(schema_editor.connection, executor=schema_editor.execute)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]

    operations = [migrations.RunPython(up, down, elidable=False)]
