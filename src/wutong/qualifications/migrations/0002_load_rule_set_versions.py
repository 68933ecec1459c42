"""Publish the rule-set versions in qualifications/data/*.json as RuleSetVersion rows, so admins see
them in a fresh installation. Later versions are added by their own migration calling the same loader."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from wutong.qualifications.services import sync_rule_set_versions

    sync_rule_set_versions(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
