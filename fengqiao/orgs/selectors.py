"""Reads of the organisation tree, always through `visible_to`."""

from __future__ import annotations

from django.db.models import Count, Q

from fengqiao.core.pagination import keyset_paginate
from fengqiao.core.permissions import Action
from fengqiao.core.scoping import subtree_q

from .models import OrgKind, OrgNode


def org_visible(principal, action=Action.VIEW):
    return OrgNode.objects.visible_to(principal, action)


def org_get(principal, pk, action=Action.VIEW) -> OrgNode | None:
    return org_visible(principal, action).select_related("parent").filter(pk=pk).first()


def org_roots(principal):
    """The top nodes the principal sees: their own scope nodes."""
    ids = [n.pk for n in principal.scope_nodes()]
    return org_visible(principal).filter(pk__in=ids).order_by("path")


def org_children(principal, node: OrgNode, *, include_inactive=True):
    qs = org_visible(principal).filter(parent=node)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    # Creation order is the official order (the seeder and bureaus add units by division code).
    return qs.annotate(child_count=Count("children")).order_by("-is_active", "path")


def org_breadcrumbs(principal, node: OrgNode):
    """Ancestors of `node` that the principal can see, root first."""
    return list(org_visible(principal).filter(path__in=node.ancestor_paths()).order_by("depth"))


def org_subtree_counts(node: OrgNode) -> dict:
    """Offices, villages and active users under `node` (used on the home and detail pages)."""
    from fengqiao.accounts.models import User

    nodes = OrgNode.objects.filter(subtree_q(node.path), is_active=True).aggregate(
        offices=Count("id", filter=Q(kind=OrgKind.TOWN)),
        villages=Count("id", filter=Q(kind=OrgKind.VILLAGE)),
    )
    nodes["users"] = User.objects.filter(subtree_q(node.path, field="org__path"), is_active=True).count()
    return nodes


def org_search(principal, *, q="", kind="", parent=None, active=None, cursor=None, size=None, action=Action.VIEW):
    qs = org_visible(principal, action)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(office_name__contains=q) | Q(division_code__startswith=q))
    if kind:
        qs = qs.filter(kind=kind)
    if parent is not None:
        from fengqiao.core.converters import MAX_ID

        qs = qs.filter(parent_id=parent) if 0 < parent <= MAX_ID else qs.none()
    if active is not None:
        qs = qs.filter(is_active=active)
    return keyset_paginate(qs.select_related("parent"), ordering=["path"], cursor=cursor, size=size)


def move_targets(principal, node: OrgNode):
    """Nodes that could become `node`'s parent (right kind, inside the principal's scope, no cycle)."""
    from .models import ALLOWED_CHILDREN

    kinds = [k for k, allowed in ALLOWED_CHILDREN.items() if node.kind in allowed]
    return (
        org_visible(principal, Action.CHANGE)
        .filter(kind__in=kinds, is_active=True)
        .exclude(subtree_q(node.path))
        .exclude(pk=node.parent_id)
        .order_by("path")
    )
