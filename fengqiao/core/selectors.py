"""Reads of the audit trail, through `visible_to`, bounded and keyset-paginated."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone

from fengqiao.core.scoping import subtree_q

from .models import AuditEvent, AuditKind
from .pagination import keyset_paginate

__all__ = ["AuditKind", "audit_object_types", "audit_search"]


def audit_object_types():
    from .scoping import SCOPED_MODELS

    return sorted((m._meta.label_lower, str(m._meta.verbose_name)) for m in SCOPED_MODELS.values())


def _day_start(d: datetime.date):
    return timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))


def audit_search(
    principal, *, user="", org="", object_type="", kind="", date_from=None, date_to=None, cursor=None, size=None
):
    qs = AuditEvent.objects.visible_to(principal)
    if user:
        qs = qs.filter(Q(actor_repr=user) | Q(actor_user__full_name=user))
    if org:
        from fengqiao.orgs.models import OrgNode

        node = (
            OrgNode.objects.visible_to(principal)
            .filter(Q(name=org) | Q(office_name=org) | Q(pk=org if org.isdigit() else None))
            .first()
        )
        qs = qs.filter(subtree_q(node.path, field="org__path")) if node else qs.none()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    return keyset_paginate(qs.select_related("org"), ordering=["-at", "-id"], cursor=cursor, size=size)
