"""The bulk generator writes cases as the services would have: numbers, counters, the state
machine, parties on both sides, agreements, committees; and a PostgreSQL load that rebuilds the
indexes leaves the schema exactly as migrated."""

import datetime
from collections import defaultdict

import pytest
from django.db import connection
from django.utils import timezone

from fengqiao.mediation import bulk, codes, codes_gbt, selectors, services
from fengqiao.mediation.models import Agreement, CaseCounter, Dispute, Party
from fengqiao.mediation.tests.test_services import register
from fengqiao.orgs.models import OrgNode

S, OUT = codes.Status, codes.Outcome
TODAY = timezone.localdate()


@pytest.fixture
def generated(world):
    # A case registered through the services first: the generator must continue its counter.
    first = register(world, received_on=TODAY)
    added = bulk.generate_disputes(offices=[world.office_a, world.office_b], total=700, years=2, rng_seed=3)
    return first, added


def test_numbers_and_counters(world, generated):
    first, added = generated
    assert added == 700
    disputes = list(Dispute.objects.all())
    assert len(disputes) == 701
    assert len({d.number for d in disputes}) == 701
    seqs = defaultdict(list)
    offices = {o.pk: o for o in OrgNode.objects.filter(pk__in=[world.office_a.pk, world.office_b.pk])}
    for d in disputes:
        seqs[(d.office_id, d.year)].append(d.seq)
        assert d.year == d.received_on.year
        assert d.number == services.format_number(offices[d.office_id], d.year, d.seq)
    counters = {(c.office_id, c.year): c.last for c in CaseCounter.objects.all()}
    assert set(counters) == set(seqs)
    for key, numbers in seqs.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), key  # unique and without gaps
        assert counters[key] == len(numbers)
    # Numbers follow the order received within an office and year.
    for key in seqs:
        ordered = Dispute.objects.filter(office_id=key[0], year=key[1]).exclude(pk=first.pk).order_by("seq")
        dates = [d.received_on for d in ordered]
        assert dates == sorted(dates)
    # The services carry on after the generated cases (counter, ids, number).
    later = register(world, received_on=TODAY)
    assert later.seq == counters[(world.office_a.pk, TODAY.year)] + 1
    assert Dispute.objects.filter(number=later.number).count() == 1


def test_states_dates_and_outcomes(world, generated):
    first, _added = generated
    oldest = TODAY - datetime.timedelta(days=round(2 * 365.25))
    agreements = {a.dispute_id: a for a in Agreement.objects.all()}
    statuses = set()
    for d in Dispute.objects.exclude(pk=first.pk).select_related("org", "committee__org"):
        statuses.add(d.status)
        assert oldest <= d.received_on <= TODAY
        if d.status in codes.OPEN_STATUSES:
            assert d.outcome == "" and d.concluded_on is None
        elif d.status in (S.SUCCEEDED, S.FAILED, S.TERMINATED, S.REJECTED):
            assert d.outcome == d.status
        else:
            assert d.status in (S.FOLLOWED_UP, S.ARCHIVED)
            assert d.outcome in (OUT.SUCCEEDED, OUT.FAILED)
        assert (d.archived_on is not None) == (d.status == S.ARCHIVED)
        if d.status in (S.REGISTERED, S.REJECTED):
            assert d.accepted_on is None and d.deadline is None
        else:
            assert d.received_on <= d.accepted_on <= TODAY
            assert d.deadline is not None
        if d.outcome:
            assert (d.accepted_on or d.received_on) <= d.concluded_on <= TODAY
            assert d.days_to_conclude == (d.concluded_on - d.received_on).days
            assert not d.archived_on or d.concluded_on <= d.archived_on <= TODAY
        else:
            assert d.days_to_conclude is None
        if d.prevented_criminal or d.prevented_mass_petition:
            assert d.outcome == OUT.SUCCEEDED
        # An agreement exactly for the mediations that succeeded, filed with the case.
        agreement = agreements.get(d.pk)
        assert (agreement is not None) == (d.outcome == OUT.SUCCEEDED)
        if agreement is not None:
            assert agreement.signed_on == d.concluded_on
            assert (agreement.office_id, agreement.org_id) == (d.office_id, d.org_id)
        assert d.stat_category == codes_gbt.stat_category_for(d.event_type)
        assert d.org.office_id == d.office_id
        # The committee covers the place where the dispute arose, and sets the level.
        assert d.committee is not None
        assert d.org.path.startswith(d.committee.org.path)
        assert d.level == d.committee.level
        if (TODAY - d.received_on).days > 45:
            assert d.status not in codes.OPEN_STATUSES
    assert {S.ARCHIVED, S.FOLLOWED_UP, S.MEDIATING} <= statuses


def test_parties_on_both_sides(world, generated):
    sides = defaultdict(set)
    for p in Party.objects.select_related("dispute"):
        sides[p.dispute_id].add(p.side)
        assert (p.office_id, p.org_id) == (p.dispute.office_id, p.dispute.org_id)
        assert p.name
        if p.id_number:
            p.full_clean(exclude=["dispute", "org", "office"])  # a valid ID number and phone
    assert len(sides) == Dispute.objects.count()
    assert all(s == {codes.PartySide.APPLICANT, codes.PartySide.RESPONDENT} for s in sides.values())


def test_lists_and_figures_read_the_cases(world, generated):
    page = selectors.dispute_search(world.city_admin)
    assert len(page.items) == page.size and page.next_cursor
    assert [d.received_on for d in page.items] == sorted((d.received_on for d in page.items), reverse=True)
    assert {d.office_id for d in selectors.dispute_search(world.director_b).items} == {world.office_b.pk}
    m = selectors.dispute_metrics(world.city_admin, date_from=TODAY - datetime.timedelta(days=365), date_to=TODAY)
    assert m["totals"]["received"] > 250
    assert 90 <= m["totals"]["success_rate"] <= 100


def test_focus_gets_its_yearly_rate(world):
    bulk.generate_disputes(
        offices=[world.office_a, world.office_b], total=1000, years=1, focus=world.office_a, focus_per_year=300
    )
    in_focus = Dispute.objects.filter(office=world.office_a).count()
    assert 230 <= in_focus <= 370


def test_earlier_years_continue_the_counters(world):
    offices = [world.office_a, world.office_b]
    bulk.generate_disputes(offices=offices, total=300, years=1)
    last_recent = Dispute.objects.order_by("-pk").first().pk
    end = TODAY - datetime.timedelta(days=366)
    bulk.generate_disputes(offices=offices, total=300, years=2, end=end, rng_seed=2)
    assert Dispute.objects.count() == 600
    assert not Dispute.objects.filter(pk__gt=last_recent, received_on__gt=end).exists()
    assert not Dispute.objects.filter(pk__gt=last_recent, status__in=codes.OPEN_STATUSES).exists()
    for c in CaseCounter.objects.all():
        seqs = sorted(Dispute.objects.filter(office_id=c.office_id, year=c.year).values_list("seq", flat=True))
        assert seqs == list(range(1, c.last + 1))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and the index rebuild are PostgreSQL's")
def test_rebuilt_indexes_leave_the_schema_as_migrated(world, monkeypatch):
    tables = [Dispute._meta.db_table, Party._meta.db_table, Agreement._meta.db_table]
    with connection.cursor() as cursor:
        before = bulk.schema_of(cursor.cursor, tables)
    monkeypatch.setattr(bulk, "REBUILD_INDEXES_FROM", 1)
    messages = []
    bulk.generate_disputes(offices=[world.office_a], total=200, years=1, progress=messages.append)
    assert any("dropped" in m for m in messages)
    with connection.cursor() as cursor:
        after = bulk.schema_of(cursor.cursor, tables)
    assert after == before
    assert any(kind == "constraint" and "FOREIGN KEY" in definition for kind, _t, _n, definition in after)
    assert Party.objects.filter(dispute__office=world.office_a).count() >= 400
