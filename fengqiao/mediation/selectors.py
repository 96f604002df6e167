"""Reads of mediation data, always through `visible_to`, bounded and keyset-paginated."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action
from fengqiao.core.scoping import subtree_q

from . import codes
from .models import Committee, Dispute, Mediator, Party


def dispute_visible(principal, action=Action.VIEW):
    return Dispute.objects.visible_to(principal, action)


def dispute_get(principal, pk, action=Action.VIEW) -> Dispute | None:
    return (
        dispute_visible(principal, action)
        .select_related("org", "office", "committee", "registered_by")
        .filter(pk=pk)
        .first()
    )


def dispute_detail(dispute: Dispute) -> dict:
    """Everything the case page shows, in a fixed number of queries."""
    from .models import Agreement

    return {
        "parties": list(dispute.parties.all()),
        "events": list(dispute.events.select_related("actor")),
        "sessions": list(dispute.sessions.prefetch_related("mediators")),
        "mediators": list(dispute.mediators.all()),
        "agreement": Agreement.objects.filter(dispute=dispute).first(),
        "follow_ups": list(dispute.follow_ups.all()),
    }


def dispute_search(
    principal,
    *,
    q="",
    status="",
    stat_category="",
    channel="",
    level=None,
    overdue=False,
    at_risk=False,
    open_only=False,
    date_from=None,
    date_to=None,
    village=None,
    committee=None,
    cursor=None,
    size=None,
):
    qs = dispute_visible(principal)
    today = timezone.localdate()
    if open_only:
        qs = qs.filter(status__in=codes.OPEN_STATUSES)
    if at_risk:
        soon = today + datetime.timedelta(days=codes.AT_RISK_DAYS)
        qs = qs.filter(status__in=codes.OPEN_STATUSES, deadline__gte=today, deadline__lte=soon)
    if status:
        qs = qs.filter(status=status)
    if stat_category:
        qs = qs.filter(stat_category=stat_category)
    if channel:
        qs = qs.filter(channel=channel)
    if level:
        qs = qs.filter(level=level)
    if overdue:
        qs = qs.filter(status__in=codes.OPEN_STATUSES, deadline__lt=today)
    if date_from:
        qs = qs.filter(received_on__gte=date_from)
    if date_to:
        qs = qs.filter(received_on__lte=date_to)
    if village is not None:
        qs = qs.filter(subtree_q(village.path, field="org__path"))
    if committee is not None:
        qs = qs.filter(committee=committee)
    if q:
        # Case number, summary, description, or a party's name; parties are matched by an EXISTS on
        # the same office so the search stays inside the office's index.
        party = Party.objects.filter(dispute_id=OuterRef("pk"), name__contains=q)
        qs = qs.filter(Q(number__contains=q) | Q(summary__contains=q) | Q(description__contains=q) | Exists(party))
    qs = qs.select_related("org", "committee")
    return keyset_paginate(qs, ordering=["-received_on", "-id"], cursor=cursor, size=size)


def deadline_counts(principal) -> dict:
    """Open cases past and near their deadline, for the home page."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=codes.AT_RISK_DAYS)
    qs = dispute_visible(principal).filter(status__in=codes.OPEN_STATUSES, deadline__isnull=False)
    return qs.aggregate(
        overdue=Count("id", filter=Q(deadline__lt=today)),
        at_risk=Count("id", filter=Q(deadline__gte=today, deadline__lte=soon)),
        open=Count("id"),
    )


def home_summary(principal):
    """Open, at-risk and overdue cases for the home page card."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    counts = deadline_counts(principal)
    url = reverse("mediation:list")
    return [
        (_("open"), counts["open"], f"{url}?open=1", "body"),
        (_("due soon"), counts["at_risk"], f"{url}?at_risk=1", "warning"),
        (_("overdue"), counts["overdue"], f"{url}?overdue=1", "danger"),
    ]


def committees_for(principal, action=Action.VIEW):
    return Committee.objects.visible_to(principal, action).filter(is_active=True).select_related("org")


def committees_covering(org) -> list[Committee]:
    """Active committees that may take a dispute arising at `org`: its own, its town's and the
    city's. Their names are no secret, so this reads across offices on purpose; the case itself
    stays scoped."""
    return list(
        Committee.objects.filter(org__path__in=org.ancestor_paths(), is_active=True)
        .select_related("org")
        .order_by("org__depth", "name")
    )


def mediators_for(principal, action=Action.VIEW):
    return Mediator.objects.visible_to(principal, action).filter(is_active=True)
