"""Writes to shared plumbing: API tokens."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .errors import DomainError, Forbidden
from .models import GRANTABLE_TOKEN_ACTIONS, ApiToken, AuditKind, hash_token
from .permissions import Action, Module
from .scoping import in_scope


@transaction.atomic
def api_token_create(*, actor, name: str, org, grants, expires_at: datetime.datetime | None = None):
    """Create a token bound to `org`'s subtree and `grants`. Returns (token, raw key): the raw key is
    shown once and never stored."""
    if not in_scope(actor, org, Action.CREATE, Module.API_TOKENS):
        raise Forbidden(_("Only a city administrator can create API tokens."))
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, e.g. the partner system that will use it."), field="name")
    grants = sorted(set(grants or []))
    if not grants:
        raise DomainError(_("Choose at least one permitted action."), field="grants")
    bad = [g for g in grants if g not in GRANTABLE_TOKEN_ACTIONS]
    if bad:
        raise DomainError(_("Unknown action: %(action)s") % {"action": bad[0]}, field="grants")
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainError(_("The expiry time must be in the future."), field="expires_at")
    raw = ApiToken.generate_key()
    token = ApiToken.objects.create(
        name=name,
        org=org,
        grants=grants,
        key_prefix=raw[:10],
        key_hash=hash_token(raw),
        created_by=actor,
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="api_token.create",
        kind=AuditKind.CREATE,
        obj=token,
        changes={"name": [None, name], "org_id": [None, org.pk], "grants": [None, grants]},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update(of=("self",)).select_related("org").get(pk=token.pk)
    if not in_scope(actor, token.org, Action.CHANGE, Module.API_TOKENS):
        raise Forbidden(_("Only a city administrator can revoke API tokens."))
    if token.revoked_at:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit.record(
        actor=actor,
        action="api_token.revoke",
        kind=AuditKind.UPDATE,
        obj=token,
        changes={"revoked_at": [None, token.revoked_at.isoformat()]},
    )
    return token


def api_token_authenticate(raw: str, ip: str | None = None) -> ApiToken | None:
    """The usable token for `raw`, or None. Notes the last use at most once a minute."""
    token, _reason = api_token_check(raw, ip)
    return token


def api_token_check(raw: str, ip: str | None = None) -> tuple[ApiToken | None, str | None]:
    """(token, None) for a usable token, else (None, why): unknown, revoked, expired, unit_inactive."""
    if not raw or not raw.startswith("fq_"):
        return None, "unknown"
    token = ApiToken.objects.select_related("org").filter(key_hash=hash_token(raw)).first()
    if token is None:
        return None, "unknown"
    if token.revoked_at is not None:
        return None, "revoked"
    if not token.is_usable:
        return None, "expired"
    if not token.org.is_active:
        return None, "unit_inactive"
    now = timezone.now()
    resolution = settings.FENGQIAO["TOKEN_LAST_USED_RESOLUTION_SECONDS"]
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= resolution:
        # A bookkeeping field, not a change of the token: no audit event, no row lock.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip)
        token.last_used_at = now
    return token, None
