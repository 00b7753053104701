"""Typo-tolerant place lookup now runs in Python on every database (identical results),
so the trigram index of 0002 is no longer used."""

from django.db import migrations


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS territory_search_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("territories", "0003_alias_search_name")]

    operations = [migrations.RunPython(drop_index, migrations.RunPython.noop)]
