"""Trigram index for typo-tolerant place lookup (PostgreSQL only; SQLite uses difflib)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE_INDEX = (
    "CREATE INDEX IF NOT EXISTS territory_search_name_trgm ON territories_territory "
    "USING gin (search_name gin_trgm_ops)"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS territory_search_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
