"""Writes of the construction-standard module. Each function runs in one transaction and records
its audit event; a refusal changes nothing."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from fengqiao.core import audit
from fengqiao.core.errors import DomainError, Forbidden
from fengqiao.core.models import AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.orgs.models import OrgKind

from . import standards
from .models import ItemCriterion, Standard, StandardCategory, StandardItem

audit.register_actions({"standard.import": _("Added a construction standard")})


def _create(data: dict, *, owner=None, created_by=None) -> Standard:
    standard = Standard.objects.create(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        issued_by=data["issued_by"],
        issued_on=data["issued_on"],
        owner=owner,
        created_by=created_by,
    )
    cats = {
        number: StandardCategory.objects.create(standard=standard, number=number, name=name)
        for number, name in data["categories"].items()
    }
    for entry in data["items"]:
        item = StandardItem.objects.create(
            standard=standard,
            category=cats[entry["category"]],
            number=entry["number"],
            text=entry["text"],
            method=entry["method"],
            guidance=entry["guidance"],
        )
        ItemCriterion.objects.bulk_create(ItemCriterion(item=item, **c) for c in entry["criteria"])
    return standard


@transaction.atomic
def standard_import(*, actor, raw, owner) -> Standard:
    """Add a standard (or a new version of one) from a standard file, owned by the bureau `owner`."""
    if owner is None or owner.kind == OrgKind.VILLAGE or owner.kind == OrgKind.TOWN:
        raise DomainError(_("Only a bureau can add a construction standard."), field="owner")
    from fengqiao.core.scoping import in_scope

    if not in_scope(actor, owner, Action.CREATE, Module.STANDARDS):
        raise Forbidden(_("You may not add a standard for this bureau."))
    data = standards.parse(raw)
    if Standard.objects.filter(code=data["code"], version=data["version"]).exists():
        raise DomainError(
            _("Version %(version)s of standard “%(code)s” exists already: give the new one another version.")
            % {"version": data["version"], "code": data["code"]},
            field="version",
        )
    standard = _create(data, owner=owner, created_by=actor)
    audit.record(
        actor=actor,
        action="standard.import",
        kind=AuditKind.CREATE,
        obj=standard,
        org=owner,
        changes={"code": standard.code, "version": standard.version, "items": len(data["items"])},
    )
    return standard


def load_builtin(raw) -> Standard | None:
    """Load a standard shipped with the platform (no owner) unless that version is there already."""
    data = standards.parse(raw)
    if Standard.objects.filter(code=data["code"], version=data["version"]).exists():
        return None
    with transaction.atomic():
        return _create(data)
