"""Partner systems (courts, police stations, petition bureaus, traffic police) that refer disputes
through the API and hear back by webhook when a case they referred concludes.

A partner is an `ApiToken`: what it may do and where are the token's grants and org. The rows here
add what the partner side needs: the first answer to each idempotent request, the link between a
referral and its case, the partner's webhook endpoint and every delivery to it.
"""

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fengqiao.core.models import TenantModel
from fengqiao.core.permissions import Module
from fengqiao.core.scoping import register_scoped
from fengqiao.mediation import codes

MAX_IDEMPOTENCY_KEY_LENGTH = 255
SECRET_PREFIX = "whsec_"  # noqa: S105 - a public marker, not a secret


class IdempotencyRecord(TenantModel):
    """The first answer to a partner's request sent with an `Idempotency-Key`.

    A repeated request (same token, same key, same body) gets this answer again and changes nothing;
    the same key with another body is refused. The unique (token, key) constraint makes two
    concurrent identical requests queue on each other: the second sees the first's answer. Filed
    under the token's org, so it carries an office like every operational row.
    """

    token = models.ForeignKey("core.ApiToken", on_delete=models.CASCADE, related_name="+", verbose_name=_("API token"))
    key = models.CharField(_("idempotency key"), max_length=MAX_IDEMPOTENCY_KEY_LENGTH)
    request_hash = models.CharField(_("request hash"), max_length=64, help_text=_("SHA-256 of the request body"))
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), default=dict, blank=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotency_token_key")]

    def __str__(self):
        return f"{self.token_id}:{self.key}"


@register_scoped
class PartnerReferral(TenantModel):
    """A dispute referred by a partner system: which token sent it, and the partner's own reference
    for it (unique per token), so that the case's conclusion can be reported back to them."""

    scope_module = Module.MEDIATION

    token = models.ForeignKey(
        "core.ApiToken", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("referred by (API token)")
    )
    dispute = models.OneToOneField(
        "mediation.Dispute", on_delete=models.CASCADE, related_name="partner_referral", verbose_name=_("dispute")
    )
    external_ref = models.CharField(_("partner's reference"), max_length=64)
    referral_source = models.CharField(_("referred by"), max_length=16, choices=codes.ReferralSource.choices)

    class Meta:
        verbose_name = _("partner referral")
        verbose_name_plural = _("partner referrals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["token", "external_ref"], name="partner_referral_unique_ref"),
        ]

    def __str__(self):
        return f"{self.external_ref} → {self.dispute_id}"


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


@register_scoped
class WebhookEndpoint(TenantModel):
    """Where a partner hears about its referred cases: one URL per token, and the secret that signs
    every delivery (HMAC-SHA256). The secret is kept as it is, because signing needs it; it is shown
    to the administrator once, when it is made, and can be replaced at any time."""

    scope_module = Module.API_TOKENS

    token = models.OneToOneField(
        "core.ApiToken", on_delete=models.CASCADE, related_name="webhook", verbose_name=_("API token")
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100, default=generate_secret, editable=False)
    secret_rotated_at = models.DateTimeField(_("secret made at"), default=timezone.now, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to tell which one a partner holds, never enough to sign."""
        return self.secret[: len(SECRET_PREFIX) + 4] + "…"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.TextChoices):
    CASE_CONCLUDED = "case.concluded", _("Case concluded")


@register_scoped
class WebhookDelivery(TenantModel):
    """One message to a partner's endpoint and its attempts: pending until the partner answers 2xx,
    retried with growing pauses, failed after the last attempt; an administrator can send it again.
    Filed under the case's org (and so its office)."""

    scope_module = Module.API_TOKENS

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("endpoint")
    )
    dispute = models.ForeignKey(
        "mediation.Dispute", on_delete=models.CASCADE, related_name="+", verbose_name=_("dispute")
    )
    event = models.CharField(_("event"), max_length=32, choices=WebhookEvent.choices)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True, default=timezone.now)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["office", "-created_at", "-id"], name="delivery_office_created"),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="delivery_endpoint_created"),
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending_due",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.event} #{self.pk}"
