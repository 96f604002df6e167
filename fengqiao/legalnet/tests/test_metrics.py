"""office_figures from records created here, in a fixed number of queries; FIGURES and
figure_records; the metrics page and home summary."""

import datetime

from django.urls import reverse
from django.utils import timezone

from fengqiao.core.permissions import Role
from fengqiao.legalnet import codes, selectors, services
from fengqiao.legalnet.models import ServicePoint, WorkLog
from fengqiao.testing.factories import make_org, make_user

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def five_points(world, office, actor, *, skip=(), unstaffed=()):
    points = {}
    for kind in codes.POINT_KINDS:
        if kind in skip:
            continue
        p = services.point_open(
            actor=actor,
            office=office,
            kind=kind,
            partner="合作单位",
            hours="工作日",
            address="路1号",
            opened_on=TODAY - 200 * DAY,
        )
        if kind not in unstaffed:
            services.staff_add(actor=actor, point=p, name="值班员", since=TODAY - 150 * DAY)
        points[kind] = p
    return points


def test_service_point_figures(world):
    five_points(world, world.office_a, world.director_a)
    five_points(
        world, world.office_b, world.director_b, skip=[codes.PointKind.ARBITRATION], unstaffed=[codes.PointKind.NOTARY]
    )
    f = selectors.office_figures([world.office_a.pk, world.office_b.pk], TODAY - 30 * DAY, TODAY)
    a, b = f[world.office_a.pk], f[world.office_b.pk]
    assert (a["service_points_present"], a["service_points_staffed"], a["service_points_complete"]) == (5, 5, 1)
    assert (b["service_points_present"], b["service_points_staffed"], b["service_points_complete"]) == (4, 3, 0)
    # as it stood at the end of an earlier period: nobody on duty yet
    early = selectors.office_figures([world.office_a.pk], TODAY - 190 * DAY, TODAY - 180 * DAY)[world.office_a.pk]
    assert early["service_points_present"] == 5 and early["service_points_staffed"] == 0
    assert early["service_points_complete"] == 0
    # and before they were set up
    assert (
        selectors.office_figures([world.office_a.pk], TODAY - 400 * DAY, TODAY - 300 * DAY)[world.office_a.pk][
            "service_points_present"
        ]
        == 0
    )
    # a closed point stops counting from its closing day
    p = ServicePoint.objects.get(office=world.office_a, kind=codes.PointKind.NOTARY)
    services.point_close(actor=world.director_a, point=p, closed_on=TODAY - 5 * DAY, reason="撤点")
    a = selectors.office_figures([world.office_a.pk], TODAY - 30 * DAY, TODAY)[world.office_a.pk]
    assert a["service_points_present"] == 4 and a["service_points_complete"] == 0
    records = selectors.figure_records("service_points_present", world.office_a.pk, TODAY - 30 * DAY, TODAY)
    assert records.count() == 4
    assert selectors.figure_records("service_points_staffed", world.office_b.pk, TODAY - 30 * DAY, TODAY).count() == 3


def test_advisor_figures(world):
    # office A: village a1 and a2 served by advisor_a; a3 without advisor; a4 with an advisor who logged nothing
    make_org(parent=world.office_a, name="甲三村")
    a4 = make_org(parent=world.office_a, name="甲四村")
    idle = make_user(a4, Role.LEGAL_ADVISOR, username="idle", served_villages=[a4])
    services.worklog_add(
        actor=world.advisor_a,
        village=world.village_a1,
        advisor=world.advisor_a,
        date=TODAY - 3 * DAY,
        duty_days=1,
        consultations=2,
        lectures=1,
    )
    services.worklog_add(
        actor=world.advisor_a,
        village=world.village_a1,
        advisor=world.advisor_a,
        date=TODAY - 4 * DAY,
        consultations=1,
        contract_reviews=2,
    )
    services.worklog_add(
        actor=world.advisor_a, village=world.village_a2, advisor=world.advisor_a, date=TODAY - 50 * DAY, disputes=1
    )
    # the idle advisor logged long ago only
    services.worklog_add(actor=idle, village=a4, advisor=idle, date=TODAY - 200 * DAY, duty_days=1)
    f = selectors.office_figures([world.office_a.pk, world.office_b.pk], TODAY - 30 * DAY, TODAY)
    a, b = f[world.office_a.pk], f[world.office_b.pk]
    assert a["advisor_villages"] == 4 and a["advisor_villages_assigned"] == 3
    assert a["advisor_villages_active"] == 1 and a["villages_without_active_advisor"] == 3
    assert a["advisor_coverage"] == 0.25
    assert (a["advisor_logs"], a["advisor_duty_days"], a["advisor_consultations"], a["advisor_lectures"]) == (
        2,
        1,
        3,
        1,
    )
    assert (a["advisor_contract_reviews"], a["advisor_disputes"]) == (2, 0)
    assert b["advisor_villages"] == 2 and b["advisor_villages_active"] == 0 and b["advisor_coverage"] == 0
    # a longer period reaches the a2 log
    longer = selectors.office_figures([world.office_a.pk], TODAY - 60 * DAY, TODAY)[world.office_a.pk]
    assert longer["advisor_villages_active"] == 2 and longer["advisor_disputes"] == 1
    # the drill-down lists what was counted
    without = selectors.figure_records("villages_without_active_advisor", world.office_a.pk, TODAY - 30 * DAY, TODAY)
    assert set(without.values_list("name", flat=True)) == {"甲二村", "甲三村", "甲四村"}
    logs = selectors.figure_records("advisor_consultations", world.office_a.pk, TODAY - 30 * DAY, TODAY)
    assert sum(logs.values_list("consultations", flat=True)) == 3 and all(isinstance(x, WorkLog) for x in logs)
    # a log recorded for a village the advisor no longer serves does not make it covered
    services.advisor_unassign(actor=world.director_a, village=world.village_a1, advisor=world.advisor_a, ended_on=TODAY)
    after = selectors.office_figures([world.office_a.pk], TODAY - 30 * DAY, TODAY)[world.office_a.pk]
    assert after["advisor_villages_active"] == 0 and after["advisor_villages_assigned"] == 2
    assert after["advisor_consultations"] == 3  # the work itself still counts


def test_office_without_villages_has_no_coverage(world):
    from fengqiao.orgs.models import OrgKind

    empty = make_org(OrgKind.TOWN, world.city, name="丙镇")
    f = selectors.office_figures([empty.pk], TODAY - 30 * DAY, TODAY)[empty.pk]
    assert f["advisor_coverage"] is None and f["service_points_present"] == 0
    assert set(f) == set(selectors.FIGURES)


def test_query_count_is_fixed(world, django_assert_max_num_queries):
    from fengqiao.orgs.models import OrgKind

    five_points(world, world.office_a, world.director_a)
    services.worklog_add(
        actor=world.advisor_a, village=world.village_a1, advisor=world.advisor_a, date=TODAY, consultations=1
    )
    offices = [make_org(OrgKind.TOWN, world.city) for _ in range(8)]
    for o in offices:
        make_org(parent=o)
    with django_assert_max_num_queries(5):
        one = selectors.office_figures([world.office_a.pk], TODAY - 30 * DAY, TODAY)
    with django_assert_max_num_queries(5):
        many = selectors.office_figures(
            [world.office_a.pk, world.office_b.pk, *[o.pk for o in offices]], TODAY - 30 * DAY, TODAY
        )
    with django_assert_max_num_queries(6):
        every = selectors.office_figures(None, TODAY - 30 * DAY, TODAY)
    assert one[world.office_a.pk] == many[world.office_a.pk] == every[world.office_a.pk]
    assert len(many) == 10


def test_figures_describe_every_code():
    for code, spec in selectors.FIGURES.items():
        assert spec["code"] == code and spec["unit"] in ("count", "rate", "flag") and str(spec["name"])
    assert selectors.FIGURES["advisor_coverage"]["threshold"] == 1.0
    assert selectors.FIGURES["service_points_complete"]["threshold"] == 1


def test_metrics_page_and_home(world, client_for):
    five_points(world, world.office_a, world.director_a, skip=[codes.PointKind.LEGISLATION])
    services.worklog_add(
        actor=world.advisor_a, village=world.village_a1, advisor=world.advisor_a, date=TODAY, consultations=4
    )
    c = client_for(world.city_admin)
    r = c.get(reverse("legalnet:metrics"), {"date_from": (TODAY - 10 * DAY).isoformat(), "date_to": TODAY.isoformat()})
    assert r.status_code == 200
    rows = {o["office"].pk: o for o in r.context["offices"]}
    assert rows[world.office_a.pk]["service_points_present"] == 4
    assert r.context["totals"]["advisor_consultations"] == 4
    # reversed dates are swapped, not an error
    assert (
        c.get(reverse("legalnet:metrics"), {"date_from": TODAY.isoformat(), "date_to": "2020-01-01"}).status_code == 200
    )
    summary = selectors.home_summary(world.director_a)
    assert len(summary) == 3 and summary[1][1] == 1  # village a2 has no active advisor
    assert c.get("/").status_code == 200
