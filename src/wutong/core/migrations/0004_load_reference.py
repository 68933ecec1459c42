"""Load GB/T 4754-2017 industries, the district's streets and its parks into a fresh database.

Calls the same loader as ``wutong load_reference`` with this migration's historical models, so a
new installation has the reference data without a separate step. Demo buildings are not loaded here.
"""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from wutong.core.reference import load_reference

    load_reference(apps=apps, include_demo=False)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_import_batch")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
