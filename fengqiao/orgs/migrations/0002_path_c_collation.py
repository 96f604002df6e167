"""On PostgreSQL, compare materialized paths byte by byte (C collation).

Subtree filters are the range [path, path + "~"); under a linguistic collation such ranges and
LIKE prefixes neither use the index nor order "~" after the base-36 digits. SQLite compares
bytes already (BINARY), so there is nothing to do there.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE orgs_orgnode ALTER COLUMN path TYPE varchar(255) COLLATE "C"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('ALTER TABLE orgs_orgnode ALTER COLUMN path TYPE varchar(255) COLLATE "default"')


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
