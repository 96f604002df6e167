"""Load the 2019 Jiangyin standard shipped with the platform (data/jiangyin-2019.json)."""

from pathlib import Path

from django.db import migrations

FILE = Path(__file__).resolve().parent.parent / "data" / "jiangyin-2019.json"


def load(apps, schema_editor):
    from fengqiao.assessment import standards

    data = standards.parse(FILE.read_bytes())
    Standard = apps.get_model("assessment", "Standard")
    Category = apps.get_model("assessment", "StandardCategory")
    Item = apps.get_model("assessment", "StandardItem")
    Criterion = apps.get_model("assessment", "ItemCriterion")
    if Standard.objects.filter(code=data["code"], version=data["version"]).exists():
        return
    standard = Standard.objects.create(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        issued_by=data["issued_by"],
        issued_on=data["issued_on"],
    )
    cats = {n: Category.objects.create(standard=standard, number=n, name=name) for n, name in data["categories"].items()}
    for entry in data["items"]:
        item = Item.objects.create(
            standard=standard,
            category=cats[entry["category"]],
            number=entry["number"],
            text=entry["text"],
            method=entry["method"],
            guidance=entry["guidance"],
        )
        Criterion.objects.bulk_create(Criterion(item=item, **c) for c in entry["criteria"])


def unload(apps, schema_editor):
    apps.get_model("assessment", "Standard").objects.filter(code="jiangyin-fengqiao", version="2019").delete()


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
