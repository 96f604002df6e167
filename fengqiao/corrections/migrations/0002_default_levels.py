from django.db import migrations

# 分类管理's three default levels; a bureau renames or retunes them on the policy page.
DEFAULTS = [
    ("strict", "严管", 1, 7, 30, 10),
    ("regular", "普管", 2, 15, 60, 20),
    ("lenient", "宽管", 3, 30, 90, 35),
]


def create(apps, schema_editor):
    Level = apps.get_model("corrections", "SupervisionLevel")
    Policy = apps.get_model("corrections", "Policy")
    Generation = apps.get_model("corrections", "IngestGeneration")
    for code, name, rank, report, visit, lost in DEFAULTS:
        Level.objects.get_or_create(
            code=code,
            defaults={"name": name, "rank": rank, "report_days": report, "visit_days": visit, "lost_contact_days": lost},
        )
    if not Policy.objects.exists():
        Policy.objects.create()
    if not Generation.objects.exists():
        Generation.objects.create(pk=1, value=0)


class Migration(migrations.Migration):
    dependencies = [("corrections", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
