"""Writes of the partner side: referral intake (idempotent), webhook endpoints and their secrets,
and sending a delivery again. Each function is one transaction with its audit event; a refusal
raises DomainError and changes nothing."""

from __future__ import annotations

import datetime
import hashlib
import json
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fengqiao.core import audit
from fengqiao.core.errors import Conflict, DomainError, Forbidden
from fengqiao.core.models import ApiToken, AuditKind
from fengqiao.core.permissions import Action, Module
from fengqiao.core.scoping import in_scope
from fengqiao.mediation import codes
from fengqiao.mediation import services as mediation_services
from fengqiao.orgs.models import OrgNode

from . import webhooks
from .models import (
    MAX_IDEMPOTENCY_KEY_LENGTH,
    DeliveryStatus,
    IdempotencyRecord,
    PartnerReferral,
    WebhookDelivery,
    WebhookEndpoint,
    generate_secret,
)

# Lazy: registered at import, shown later in each reader's language.
audit.register_actions(
    {
        "partner_referral.receive": gettext_lazy("Received a partner referral"),
        "webhook.save": gettext_lazy("Set a partner's webhook"),
        "webhook.rotate_secret": gettext_lazy("Replaced a webhook signing secret"),
        "webhook.resend": gettext_lazy("Sent a webhook delivery again"),
    }
)


class Unprocessable(DomainError):
    """The request is well formed but cannot be honoured as sent (a key reused for another body)."""

    status = 422


# --- idempotency ---------------------------------------------------------------------------------------

_KEY_RE = re.compile(r"^[\x21-\x7e]+$")


def check_idempotency_key(key: str | None) -> str:
    """The key as sent, or a clear 400: required, printable ASCII without spaces, at most 255."""
    if key is None or not key.strip():
        raise DomainError(
            _(
                "Send an Idempotency-Key header (for example a UUID) with every referral, so that a retried request "
                "cannot create the case twice."
            ),
            code="idempotency_key_missing",
            field="Idempotency-Key",
        )
    key = key.strip()
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not _KEY_RE.match(key):
        raise DomainError(
            _("The Idempotency-Key header must be 1 to %(max)s printable ASCII characters without spaces.")
            % {"max": MAX_IDEMPOTENCY_KEY_LENGTH},
            code="idempotency_key_invalid",
            field="Idempotency-Key",
        )
    return key


def request_hash(body: bytes) -> str:
    """SHA-256 of the request body, read as JSON so that spacing and key order do not matter."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        data = canonical.encode()
    except (ValueError, UnicodeDecodeError):
        data = body or b""
    return hashlib.sha256(data).hexdigest()


def _claim(token: ApiToken, key: str, body_hash: str) -> IdempotencyRecord | None:
    """Take the key for this request (None), or return the record of the request that took it.

    The insert is what serialises concurrent identical requests: on PostgreSQL the second insert
    waits on the unique index until the first transaction ends, then fails and reads its answer;
    SQLite queues whole write transactions (BEGIN IMMEDIATE).
    """
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(token=token, org_id=token.org_id, key=key, request_hash=body_hash)
        return None
    except IntegrityError:
        return IdempotencyRecord.objects.filter(token=token, key=key).first()


# --- referrals ---------------------------------------------------------------------------------------------


def _referral_org(token: ApiToken, *, org_id: int | None, division_code: str) -> OrgNode:
    """The unit named by the partner, if it lies in the token's area; one answer for "no such unit"
    and "not yours", as everywhere."""
    division_code = (division_code or "").strip()
    if division_code:
        node = OrgNode.objects.filter(division_code=division_code).first()
    elif org_id:
        node = OrgNode.objects.filter(pk=org_id).first()
    else:
        raise DomainError(
            _("Name the place of the dispute: its 12-digit division code (division_code) or its unit id (org_id)."),
            code="org_missing",
            field="division_code",
        )
    if node is None or not in_scope(token, node, Action.CREATE, Module.MEDIATION):
        raise DomainError(
            _("No unit with this division code or id lies in the area of this token."),
            code="unknown_org",
            field="division_code" if division_code else "org_id",
        )
    return node


def referral_body(link: PartnerReferral) -> dict:
    """The answer to a referral, stored as it is sent so that a replay is identical."""
    d = link.dispute
    return {
        "id": d.pk,
        "number": d.number,
        "status": d.status,
        "external_ref": link.external_ref,
        "org_id": d.org_id,
        "office_id": d.office_id,
        "received_on": d.received_on.isoformat(),
    }


@transaction.atomic
def referral_receive(
    *,
    actor: ApiToken,
    key: str,
    body_hash: str,
    external_ref: str,
    referral_source: str,
    event_type: str,
    summary: str,
    description: str,
    parties,
    org_id: int | None = None,
    division_code: str = "",
    referral_body_name: str = "",
    received_on: datetime.date | None = None,
    amount=None,
    people_count: int = 2,
    scale: str = "01",
) -> tuple[int, dict, bool]:
    """Register a dispute referred by a partner system, once per Idempotency-Key.

    Returns (HTTP status, answer, replayed). A repeat of a request already answered returns the
    stored answer and changes nothing; the same key with another body is refused; the same
    partner reference under a new key is refused as a duplicate (naming the existing case).
    """
    if not isinstance(actor, ApiToken):
        raise Forbidden(_("Partner referrals are sent by partner systems with their API token."))
    if not actor.has_action(Module.MEDIATION, Action.CREATE):
        raise Forbidden(_("This API token may not register disputes (it needs mediation.create)."))
    key = check_idempotency_key(key)
    earlier = _claim(actor, key, body_hash)
    if earlier is not None:
        if earlier.request_hash != body_hash:
            raise Unprocessable(
                _("This Idempotency-Key was already used for a different request. Use a new key for a new referral."),
                code="idempotency_key_reused",
            )
        if earlier.response_status is None:  # cannot be seen committed, but never replay a half answer
            raise Conflict(
                _("A request with this Idempotency-Key is still being processed; try again shortly."),
                code="idempotency_in_progress",
            )
        return earlier.response_status, earlier.response_body, True

    external_ref = (external_ref or "").strip()
    if not external_ref:
        raise DomainError(_("Give your own reference for the referral (external_ref)."), field="external_ref")
    existing = PartnerReferral.objects.filter(token=actor, external_ref=external_ref).select_related("dispute").first()
    if existing is not None:
        raise Conflict(
            _("Referral %(ref)s was already received as case %(number)s.")
            % {"ref": external_ref, "number": existing.dispute.number},
            code="duplicate_referral",
            field="external_ref",
        )
    org = _referral_org(actor, org_id=org_id, division_code=division_code)
    dispute = mediation_services.dispute_register(
        actor=actor,
        org=org,
        channel=codes.Channel.REFERRAL,
        referral_source=referral_source,
        referral_body=(referral_body_name or actor.name)[:100],
        event_type=event_type,
        summary=summary,
        description=description,
        received_on=received_on or timezone.localdate(),
        parties=parties,
        amount=amount,
        people_count=people_count,
        scale=scale,
    )
    try:
        with transaction.atomic():
            link = PartnerReferral.objects.create(
                token=actor,
                dispute=dispute,
                org_id=dispute.org_id,
                external_ref=external_ref,
                referral_source=referral_source,
            )
    except IntegrityError:
        # The same reference under another key, at the same moment: the other request won.
        raise Conflict(
            _("Referral %(ref)s was already received.") % {"ref": external_ref},
            code="duplicate_referral",
            field="external_ref",
        ) from None
    body = referral_body(link)
    IdempotencyRecord.objects.filter(token=actor, key=key).update(response_status=201, response_body=body)
    audit.record(
        actor=actor,
        action="partner_referral.receive",
        kind=AuditKind.CREATE,
        obj=link,
        object_repr=f"{external_ref} → {dispute.number}",
        changes={"external_ref": [None, external_ref], "dispute": [None, dispute.number], "key": [None, key]},
    )
    return 201, body, False


# --- webhook endpoints -------------------------------------------------------------------------------------

_url_validator = URLValidator(schemes=["http", "https"])


def _require_token_admin(actor, token: ApiToken):
    if not in_scope(actor, token.org, Action.CHANGE, Module.API_TOKENS):
        raise Forbidden(_("Only a city administrator can manage partner webhooks."))


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Enter the URL that will receive the notifications."), field="url")
    if len(url) > 500:
        raise DomainError(_("The URL is too long (at most 500 characters)."), field="url")
    try:
        _url_validator(url)
    except ValidationError:
        raise DomainError(
            _("Enter a full http:// or https:// address, e.g. https://court.example.cn/fengqiao/hook."), field="url"
        ) from None
    return url


@transaction.atomic
def webhook_endpoint_save(*, actor, token: ApiToken, url: str, is_active: bool = True):
    """Set the token's webhook URL (and whether it is used). Returns (endpoint, secret): the secret
    only when the endpoint is new, to be shown once; otherwise None."""
    token = ApiToken.objects.select_for_update(of=("self",)).select_related("org").get(pk=token.pk)
    _require_token_admin(actor, token)
    url = _clean_url(url)
    endpoint = WebhookEndpoint.objects.filter(token=token).first()
    if endpoint is None:
        if token.revoked_at is not None:
            raise DomainError(_("This token is revoked; a webhook for it would never be used."), field="url")
        secret = generate_secret()
        endpoint = WebhookEndpoint.objects.create(
            token=token, org_id=token.org_id, url=url, is_active=bool(is_active), secret=secret
        )
        audit.record(
            actor=actor,
            action="webhook.save",
            kind=AuditKind.CREATE,
            obj=endpoint,
            object_repr=f"{token.name}: {url}",
            changes={"url": [None, url], "is_active": [None, endpoint.is_active]},
        )
        return endpoint, secret
    changes = {}
    if endpoint.url != url:
        changes["url"] = [endpoint.url, url]
    if endpoint.is_active != bool(is_active):
        changes["is_active"] = [endpoint.is_active, bool(is_active)]
    if changes:
        endpoint.url, endpoint.is_active = url, bool(is_active)
        endpoint.save(update_fields=["url", "is_active", "updated_at"])
        audit.record(
            actor=actor,
            action="webhook.save",
            kind=AuditKind.UPDATE,
            obj=endpoint,
            object_repr=f"{token.name}: {url}",
            changes=changes,
        )
    return endpoint, None


@transaction.atomic
def webhook_secret_rotate(*, actor, endpoint: WebhookEndpoint) -> tuple[WebhookEndpoint, str]:
    """Replace the signing secret at once (the old one stops working). Returns (endpoint, secret),
    the secret to be shown once. The audit trail notes the replacement, never the secret."""
    endpoint = (
        WebhookEndpoint.objects.select_for_update(of=("self",))
        .select_related("token", "token__org")
        .get(pk=endpoint.pk)
    )
    _require_token_admin(actor, endpoint.token)
    endpoint.secret = generate_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at", "updated_at"])
    audit.record(
        actor=actor,
        action="webhook.rotate_secret",
        kind=AuditKind.UPDATE,
        obj=endpoint,
        object_repr=f"{endpoint.token.name}: {endpoint.url}",
        changes={"secret": ["…", endpoint.secret_hint]},
    )
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_delivery_resend(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, with a fresh series of attempts, once this transaction commits."""
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "endpoint__token", "endpoint__token__org")
        .get(pk=delivery.pk)
    )
    _require_token_admin(actor, delivery.endpoint.token)
    if not delivery.endpoint.is_active:
        raise DomainError(_("The webhook is switched off; switch it on before sending again."))
    if not delivery.endpoint.token.is_usable:
        raise DomainError(_("The partner's token is revoked or expired; nothing can be sent to it."))
    before = delivery.status
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.delivered_at = None
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "delivered_at", "updated_at"])
    audit.record(
        actor=actor,
        action="webhook.resend",
        kind=AuditKind.ACTION,
        obj=delivery,
        changes={"status": [before, delivery.status]},
    )
    webhooks.schedule_on_commit(delivery)
    return delivery
