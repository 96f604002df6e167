"""Writes to the organisation tree. Each function is one transaction with its audit event."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fengqiao.core import audit
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import SCOPED_MODELS, in_scope, subtree_q

from .models import ALLOWED_CHILDREN, SEGMENT_WIDTH, OrgKind, OrgNode, encode_segment

EDITABLE_FIELDS = ["name", "short_name", "office_name", "division_code", "address", "phone"]


def _require(actor, node, action):
    # actor None is the platform itself (command-line tools such as createadmin and seeding).
    if actor is not None and not in_scope(actor, node, action, Module.ORGS):
        raise Forbidden(_("You may not change organisations outside your own unit."))


def _validate_fields(node):
    # Chinese input methods type full-width digits (３２０２…); the code itself is ASCII digits.
    node.division_code = unicodedata.normalize("NFKC", node.division_code or "").strip()
    try:
        # Uniqueness is checked below with messages staff can act on, not Django's constraint names.
        node.full_clean(
            exclude=["parent", "office", "path", "depth"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], code="invalid", field=field) from None
    if node.division_code and OrgNode.objects.filter(division_code=node.division_code).exclude(pk=node.pk).exists():
        raise Conflict(_("Another organisation already has this division code."), field="division_code")
    siblings = OrgNode.objects.filter(parent_id=node.parent_id, name=node.name).exclude(pk=node.pk)
    if siblings.exists():
        raise Conflict(_("A unit with this name already exists under the same parent."), field="name")


def _save_unique(node: OrgNode, **kwargs):
    """Save; a concurrent insert of the same name or code (past the checks above) is a Conflict."""
    try:
        with transaction.atomic():
            node.save(**kwargs)
    except IntegrityError:
        raise Conflict(
            _("Another unit with this name or division code was saved at the same time; reload and check."),
        ) from None


def _check_parent(kind, parent):
    if parent is None:
        if kind not in (OrgKind.PROVINCE, OrgKind.CITY):
            raise DomainError(_("Only a bureau can be the root of the tree."), field="parent")
        return
    if kind not in ALLOWED_CHILDREN[OrgKind(parent.kind)]:
        raise DomainError(
            _("“%(child)s” cannot be placed under “%(parent)s”.")
            % {"parent": parent.get_kind_display(), "child": OrgKind(kind).label},
            field="parent",
        )
    if not parent.is_active:
        raise DomainError(_("The parent unit is deactivated."), field="parent")


def _lock_trees(*nodes: OrgNode | None) -> None:
    """Serialise every change of the tree's shape: lock the root rows of the trees involved.

    Paths are derived from ancestors. Without one lock, a village created under a town while the
    town is being moved could be written with the town's old path, and two crossing moves could
    make a cycle (PostgreSQL runs them concurrently; SQLite's IMMEDIATE transactions already
    serialise writers). Roots are locked in id order, so two changes never wait on each other.
    """
    root_ids = sorted({int(n.path[:SEGMENT_WIDTH], 36) for n in nodes if n is not None and n.path})
    if root_ids:
        list(OrgNode.objects.select_for_update().filter(pk__in=root_ids).order_by("pk").values_list("pk"))


def _assign_path(node: OrgNode):
    node.path = (node.parent.path if node.parent_id else "") + encode_segment(node.pk)
    node.depth = len(node.path) // SEGMENT_WIDTH - 1
    node.office_id = node.compute_office_id()
    OrgNode.objects.filter(pk=node.pk).update(path=node.path, depth=node.depth, office_id=node.office_id)


@transaction.atomic
def org_create(*, actor, kind: str, name: str, parent: OrgNode | None, **fields) -> OrgNode:
    """Add a node under `parent` (or a root bureau when parent is None, city admins only)."""
    if parent is None:
        if not (actor is None or (actor.has_action(Module.ORGS, Action.CREATE) and actor.org.parent_id is None)):
            raise Forbidden(_("Only a city administrator can create a root unit."))
    else:
        _lock_trees(parent)
        parent = OrgNode.objects.get(pk=parent.pk)  # its path as of the lock, not as the caller saw it
        _require(actor, parent, Action.CREATE)
    _check_parent(kind, parent)
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"is_active"}
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    node = OrgNode(kind=kind, name=(name or "").strip(), parent=parent, **fields)
    _validate_fields(node)
    _save_unique(node)
    _assign_path(node)
    audit.record_create(actor=actor, action="org.create", obj=node)
    return node


@transaction.atomic
def org_update(*, actor, node: OrgNode, expected_version: str | None = None, **fields) -> OrgNode:
    """Change a node's names, codes and contact details (not its place in the tree: see org_move).

    With `expected_version` (from the edit form), refuses if someone changed the node meanwhile."""
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    _require(actor, node, Action.CHANGE)
    audit.check_version(node, expected_version)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    before = audit.snapshot(node)
    for key, value in fields.items():
        setattr(node, key, value.strip() if isinstance(value, str) else value)
    _validate_fields(node)
    _save_unique(node)
    audit.record_update(actor=actor, action="org.update", obj=node, before=before)
    return node


@transaction.atomic
def org_move(*, actor, node: OrgNode, new_parent: OrgNode) -> OrgNode:
    """Put `node` (with its subtree) under `new_parent`. Refused if that would make a cycle."""
    _lock_trees(node, new_parent)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    new_parent = OrgNode.objects.get(pk=new_parent.pk)
    _require(actor, node, Action.CHANGE)
    _require(actor, new_parent, Action.CHANGE)
    if new_parent.pk == node.pk or new_parent.path.startswith(node.path):
        raise DomainError(
            _("A unit cannot be moved under itself or under one of its own subordinate units."), code="cycle"
        )
    if new_parent.pk == node.parent_id:
        return node
    _check_parent(node.kind, new_parent)
    if OrgNode.objects.filter(parent=new_parent, name=node.name).exists():
        raise Conflict(_("A unit with this name already exists under the new parent."))

    old_path, old_parent_id, old_office_id = node.path, node.parent_id, node.office_id
    new_path = new_parent.path + encode_segment(node.pk)
    depth_shift = (len(new_path) - len(old_path)) // SEGMENT_WIDTH
    OrgNode.objects.filter(subtree_q(old_path)).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_shift,
    )
    node.refresh_from_db()
    node.parent = new_parent
    node.office_id = node.compute_office_id()
    node.save(update_fields=["parent", "office", "updated_at"])
    if node.kind == OrgKind.VILLAGE and old_office_id != node.office_id:
        _retarget_office(node, node.office_id)
    audit.record(
        actor=actor,
        action="org.move",
        kind=AuditKind.UPDATE,
        obj=node,
        changes={"parent_id": [old_parent_id, new_parent.pk], "path": [old_path, node.path]},
    )
    return node


def _retarget_office(village: OrgNode, office_id: int):
    """A village that changes town takes its records with it: their tenant key follows."""
    for model in SCOPED_MODELS.values():
        if model is OrgNode or not _has_field(model, "office"):
            continue
        if model._meta.label == "core.AuditEvent":
            continue  # the trail keeps where things happened at the time
        if hasattr(model, "follow_village_move"):
            # Rows keyed by office only (location fixes) know how to find the village's rows.
            model.follow_village_move(village, office_id)
            continue
        model._base_manager.filter(org_id=village.pk).update(office_id=office_id)


def _has_field(model, name):
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def references(node: OrgNode) -> dict[str, int]:
    """What refers to `node` (children, users, records of every scoped table), with counts."""
    counts: dict[str, int] = {}
    children = OrgNode.objects.filter(parent=node).count()
    if children:
        counts[str(_("subordinate units"))] = children
    for model in SCOPED_MODELS.values():
        if model is OrgNode or model._meta.label == "core.AuditEvent" or not _has_field(model, "org"):
            continue
        n = model._base_manager.filter(org_id=node.pk).count()
        if n:
            counts[str(model._meta.verbose_name_plural)] = n
    n = node.advisors.count()
    if n:
        counts[str(_("legal advisors serving it"))] = n
    return counts


def _locked_for_change(actor, node: OrgNode) -> OrgNode:
    """The node re-read under the tree lock, after checking the actor may change it."""
    _lock_trees(node)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    _require(actor, node, Action.CHANGE)
    return node


def _set_subtree_active(actor, node: OrgNode, active: bool) -> int:
    changed = OrgNode.objects.filter(subtree_q(node.path), is_active=not active).update(is_active=active)
    audit.record(
        actor=actor,
        action="org.reactivate" if active else "org.deactivate",
        kind=AuditKind.UPDATE,
        obj=node,
        changes={"is_active": [not active, active], "units": changed},
    )
    return changed


@transaction.atomic
def org_deactivate(*, actor, node: OrgNode) -> int:
    """Deactivate a node and everything under it. Data stays; the units stop taking new work, and
    their people and API tokens can no longer sign in."""
    node = _locked_for_change(actor, node)
    if actor is not None and any(s.pk == node.pk for s in actor.scope_nodes()):
        raise DomainError(_("You cannot deactivate your own unit."))
    return _set_subtree_active(actor, node, False)


@transaction.atomic
def org_reactivate(*, actor, node: OrgNode) -> int:
    """Reactivate a node and everything under it (the reverse of org_deactivate)."""
    node = _locked_for_change(actor, node)
    if node.parent_id and not node.parent.is_active:
        raise DomainError(_("Reactivate the parent unit first."))
    return _set_subtree_active(actor, node, True)


@transaction.atomic
def org_delete(*, actor, node: OrgNode) -> None:
    """Delete a node that nothing refers to; otherwise refuse and say what refers to it."""
    node = _locked_for_change(actor, node)
    refs = references(node)
    if refs:
        separator = "、" if get_language().startswith("zh") else ", "
        detail = separator.join(f"{label} {count}" for label, count in refs.items())
        raise Conflict(
            _("This unit still holds data (%(detail)s) and cannot be deleted; deactivate it instead.")
            % {"detail": detail},
            code="in_use",
        )
    audit.record(actor=actor, action="org.delete", kind=AuditKind.DELETE, obj=node, changes=audit.snapshot(node))
    # A town or bureau is its own office; that self-reference must go before the row can.
    OrgNode.objects.filter(pk=node.pk).update(office=None)
    node.delete()
