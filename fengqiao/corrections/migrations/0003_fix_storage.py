from django.db import migrations


def create(apps, schema_editor):
    # A BRIN index on the fix time: a few pages for the whole table, next to nothing to maintain on
    # insert (fixes arrive roughly in time order), and enough for the retention purge and period
    # counts. SQLite has no BRIN; there those reads go through the (device, seq) key.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS corrections_fix_at_brin ON corrections_fix USING brin (at)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS corrections_fix_at_brin")


class Migration(migrations.Migration):
    dependencies = [("corrections", "0002_default_levels")]
    operations = [migrations.RunPython(create, drop)]
