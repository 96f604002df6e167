"""The standard as data: the shipped 2019 standard, a bureau's own standard, and bad files."""

import copy
import json
from pathlib import Path

import pytest

from fengqiao.assessment import codes, services, standards
from fengqiao.assessment.models import ItemCriterion, Standard, StandardItem
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditEvent

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "jiangyin-2019.json"


def shipped() -> dict:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def own(**changes) -> dict:
    data = shipped()
    data.update(code="wuxi-own", version="2021", name="某市自定标准")
    data.update(changes)
    return data


def test_shipped_file_is_the_annex():
    data = standards.parse(SHIPPED.read_bytes())
    assert [c for c in data["categories"].values()] == [
        "党建引领",
        "法治统揽",
        "社会矛盾纠纷调处",
        "公共法律服务",
        "普法依法治理",
        "社区矫正",
    ]
    assert [i["number"] for i in data["items"]] == list(range(1, 18))
    seed = Path(__file__).resolve().parents[4] / "shared" / "seed" / "000_75c298e5a85b2bef.txt"
    if seed.exists():  # the wording is the annex's, word for word
        text = seed.read_text(encoding="utf-8")
        assert all(item["text"] in text for item in data["items"])
    item8 = data["items"][7]
    assert {c["indicator"]: c["threshold"] for c in item8["criteria"]} == {
        "mediation.success_rate": 98,
        "mediation.incidents_caused": 0,
    }


def test_shipped_standard_is_loaded_by_migration(db):
    standard = Standard.objects.get(code="jiangyin-fengqiao", version="2019")
    assert standard.owner is None and standard.items.count() == 17 and standard.categories.count() == 6
    item16 = standard.items.get(number=16)
    assert item16.method == codes.Method.BOTH
    assert set(item16.criteria.values_list("indicator", flat=True)) >= {
        "corrections.positioning_coverage",
        "corrections.positioning_success",
        "corrections.missed_intake",
    }


def test_bureau_adds_its_own_standard(world):
    standard = services.standard_import(actor=world.city_admin, raw=json.dumps(own()), owner=world.city)
    assert standard.owner == world.city and standard.items.count() == 17
    assert (
        ItemCriterion.objects.filter(item__standard=standard).count()
        == ItemCriterion.objects.filter(item__standard__code="jiangyin-fengqiao").count()
    )
    event = AuditEvent.objects.get(action="standard.import")
    assert event.office_id == world.city.pk and event.changes["items"] == 17
    # Read below the bureau, as every office assesses itself against it.
    assert Standard.objects.visible_to(world.director_a).filter(pk=standard.pk).exists()


def test_new_version_must_differ(world):
    services.standard_import(actor=world.city_admin, raw=json.dumps(own()), owner=world.city)
    with pytest.raises(DomainError) as err:
        services.standard_import(actor=world.city_admin, raw=json.dumps(own()), owner=world.city)
    assert err.value.field == "version"


def test_only_a_bureau_with_the_right_adds_a_standard(world):
    before = Standard.objects.count()
    with pytest.raises(DomainError):
        services.standard_import(actor=world.director_a, raw=json.dumps(own()), owner=world.office_a)
    with pytest.raises(Forbidden):
        services.standard_import(actor=world.leader, raw=json.dumps(own()), owner=world.city)
    assert Standard.objects.count() == before


def _faults(data) -> list[str]:
    with pytest.raises(DomainError) as err:
        standards.parse(json.dumps(data) if not isinstance(data, str) else data)
    return err.value.message if isinstance(err.value.message, list) else [err.value.message]


def test_duplicate_item_number_refused():
    data = own()
    data["items"].append(copy.deepcopy(data["items"][0]))
    assert any("1" in f for f in _faults(data)) and len(_faults(data)) == 1


def test_missing_threshold_refused():
    data = own()
    del data["items"][7]["criteria"][0]["threshold"]
    (fault,) = _faults(data)
    assert "mediation.success_rate" in fault and "8" in fault


def test_unknown_indicator_and_empty_automatic_item_refused():
    data = own()
    data["items"][9]["criteria"] = [{"indicator": "nothing.here", "threshold": 1}]
    data["items"][16]["criteria"] = []
    faults = _faults(data)
    assert len(faults) == 2
    assert any("nothing.here" in f for f in faults) and any("17" in f for f in faults)


def test_other_faults_each_named():
    data = own(code="坏 code")
    data["items"][0]["category"] = 99
    data["items"][1]["method"] = "guess"
    data["items"][2]["text"] = ""
    data["categories"].append({"number": 1, "name": "重复"})
    assert len(_faults(data)) == 5
    assert len(_faults("{not json")) == 1
    assert len(_faults([1, 2])) == 1


def test_bad_file_changes_nothing(world):
    data = own()
    data["items"].append(copy.deepcopy(data["items"][0]))
    before = (Standard.objects.count(), StandardItem.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError):
        services.standard_import(actor=world.city_admin, raw=json.dumps(data), owner=world.city)
    assert (Standard.objects.count(), StandardItem.objects.count(), AuditEvent.objects.count()) == before
