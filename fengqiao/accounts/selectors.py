"""Reads of users, always through `visible_to`."""

from __future__ import annotations

from django.db.models import Prefetch, Q

from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action
from fengqiao.core.scoping import subtree_q

from .models import User, UserRole


def user_visible(principal, action=Action.VIEW):
    return User.objects.visible_to(principal, action)


def user_get(principal, pk, action=Action.VIEW) -> User | None:
    return (
        user_visible(principal, action)
        .select_related("org", "office")
        .prefetch_related("roles", "served_villages")
        .filter(pk=pk)
        .first()
    )


def unit_choices(principal):
    """Units to filter users by: offices and bureaus for bureau staff, villages for an office."""
    from fengqiao.orgs.models import OrgKind, OrgNode

    qs = OrgNode.objects.visible_to(principal).filter(is_active=True)
    if any(n.is_bureau for n in principal.scope_nodes()):
        qs = qs.exclude(kind=OrgKind.VILLAGE)
    return list(qs.order_by("path")[:2000])


def user_export_rows(principal, *, q="", role="", org=None, active=None, limit=20_000):
    """The users of a filtered list for export (bounded), roles prefetched."""
    qs = _filtered(User.objects.visible_to(principal, Action.EXPORT), q=q, role=role, org=org, active=active)
    return list(qs.select_related("org").prefetch_related("roles").order_by("org__path", "username")[:limit])


def _filtered(qs, *, q="", role="", org=None, active=None):
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__contains=q) | Q(phone__endswith=q))
    if role:
        qs = qs.filter(roles__role=role)
    if org is not None:
        qs = qs.filter(subtree_q(org.path, field="org__path"))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


def user_search(principal, *, q="", role="", org=None, active=None, cursor=None, size=None):
    qs = _filtered(user_visible(principal), q=q, role=role, org=org, active=active)
    qs = qs.select_related("org").prefetch_related(Prefetch("roles", queryset=UserRole.objects.order_by("role")))
    return keyset_paginate(qs, ordering=["username"], cursor=cursor, size=size)
