from django.db import migrations


def create(apps, schema_editor):
    from security.seed import ensure_default_rules

    ensure_default_rules(apps=apps)


class Migration(migrations.Migration):
    dependencies = [("security", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
