"""Writing the audit trail.

Services call `record()` inside their transaction, so an event exists exactly when its change
does. Views that show sensitive data (a full ID number, a subject's file) call `record_access()`.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.db import connection, models, transaction
from django.utils.translation import gettext_lazy as _

from .middleware import client_ip
from .models import AuditEvent, AuditKind


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


SECRET_FIELDS = {"password", "key_hash"}

# Readable names of audit actions; each app adds its own with register_actions().
ACTION_LABELS: dict[str, str] = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Failed sign-in"),
    "org.create": _("Created a unit"),
    "org.update": _("Changed a unit"),
    "org.move": _("Moved a unit"),
    "org.deactivate": _("Deactivated a unit"),
    "org.reactivate": _("Reactivated a unit"),
    "org.delete": _("Deleted a unit"),
    "user.create": _("Created a user"),
    "user.update": _("Changed a user"),
    "user.activate": _("Reactivated a user"),
    "user.deactivate": _("Deactivated a user"),
    "user.reset_password": _("Reset a password"),
    "user.change_password": _("Changed own password"),
    "api_token.create": _("Created an API token"),
    "api_token.revoke": _("Revoked an API token"),
    "access.id_number": _("Viewed a full ID number"),
    "export": _("Exported a list"),
}


def register_actions(labels: dict) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def snapshot(obj: models.Model, fields: list[str] | None = None, *, raw: bool = False) -> dict:
    """The concrete field values of `obj` (foreign keys as ids), fit for JSON.

    Personal data that a model lists in `sensitive_fields` ({field: mask function}) is masked, so
    that the audit trail never shows what the record itself shows only with view_sensitive. With
    `raw`, values are kept as they are (for comparisons that are never stored or shown).
    """
    masks = {} if raw else getattr(obj, "sensitive_fields", {})
    result = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in SECRET_FIELDS:
            continue
        value = field.value_from_object(obj)
        if field.name in masks and value:
            value = masks[field.name](value)
        result[field.attname if field.is_relation else field.name] = _jsonable(value)
    return result


def version_of(obj: models.Model) -> str:
    """A short fingerprint of the row's current values: forms carry it, and a service refuses a save
    whose form was filled from values that another user has changed since (no lost updates)."""
    import hashlib
    import json

    data = snapshot(obj, raw=True)
    for volatile in ("updated_at", "last_login"):
        data.pop(volatile, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def check_version(obj: models.Model, expected: str | None) -> None:
    from .errors import Conflict

    if expected and expected != version_of(obj):
        raise Conflict(
            _(
                "Someone else changed this record while you were editing it. Reload the page, check their "
                "changes and make yours again."
            ),
            code="stale",
        )


def diff(before: dict, after: dict) -> dict:
    """Changed keys as {key: [before, after]}."""
    keys = set(before) | set(after)
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(keys)
        if before.get(k) != after.get(k) and k not in {"updated_at"}
    }


def _actor_fields(actor) -> dict:
    from fengqiao.core.models import ApiToken

    if actor is None:
        return {"actor_repr": "system"}
    if isinstance(actor, ApiToken):
        return {"actor_token": actor, "actor_repr": actor.audit_repr[:150]}
    if getattr(actor, "is_authenticated", False):
        return {"actor_user": actor, "actor_repr": actor.get_username()[:150]}
    return {"actor_repr": "anonymous"}


def _org_of(obj):
    from fengqiao.orgs.models import OrgNode

    if obj is None:
        return None, None
    if isinstance(obj, OrgNode):
        return obj.pk, obj.office_id or obj.pk
    return getattr(obj, "org_id", None), getattr(obj, "office_id", None)


def record(
    *,
    actor,
    action: str,
    kind: str = AuditKind.ACTION,
    obj: models.Model | None = None,
    changes: dict | None = None,
    org=None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append an audit event. Must run inside the transaction of the change it describes."""
    if kind not in (AuditKind.ACCESS, AuditKind.EXPORT, AuditKind.LOGIN, AuditKind.LOGIN_FAILED, AuditKind.LOGOUT):
        assert connection.in_atomic_block, "audit.record() must run inside the service's transaction"
    org_id, office_id = _org_of(org if org is not None else obj)
    if office_id is None:
        # Platform-level events (a failed sign-in under an unknown name, say) belong to the top
        # bureau, so that its administrators see them: a trail nobody can read protects nothing.
        from fengqiao.orgs.models import OrgNode

        root = OrgNode.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True).first()
        org_id = org_id or root
        office_id = root
    return AuditEvent.objects.create(
        kind=kind,
        action=action,
        ip=client_ip(),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:200],
        org_id=org_id,
        office_id=office_id,
        changes=_jsonable(changes or {}),
        **_actor_fields(actor),
    )


def record_create(*, actor, action: str, obj: models.Model) -> AuditEvent:
    return record(actor=actor, action=action, kind=AuditKind.CREATE, obj=obj, changes=diff({}, snapshot(obj)))


def record_update(*, actor, action: str, obj: models.Model, before: dict) -> AuditEvent:
    return record(actor=actor, action=action, kind=AuditKind.UPDATE, obj=obj, changes=diff(before, snapshot(obj)))


@transaction.atomic
def record_export(*, actor, what: str, count: int, filters: dict) -> AuditEvent:
    """Note that `actor` exported `count` rows of `what` with the given filters."""
    return record(
        actor=actor,
        action="export",
        kind=AuditKind.EXPORT,
        object_repr=f"{what} × {count}",
        org=actor.org if hasattr(actor, "org") else None,
        changes={"what": what, "rows": count, "filters": {k: v for k, v in filters.items() if k != "cursor"}},
    )


@transaction.atomic
def record_access(*, actor, obj: models.Model, what: str) -> AuditEvent:
    """Note that `actor` was shown sensitive data (`what`, e.g. "id_number") of `obj`."""
    return record(actor=actor, action=f"access.{what}", kind=AuditKind.ACCESS, obj=obj, changes={"field": what})
