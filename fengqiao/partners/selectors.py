"""Reads of the partner side, always through `visible_to`."""

from fengqiao.core.models import ApiToken
from fengqiao.core.permissions import Action

from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

RECENT_DELIVERIES = 100


def tokens_with_webhooks(principal):
    """The tokens the principal manages, each with its endpoint (or None) in one query."""
    tokens = list(ApiToken.objects.visible_to(principal).select_related("org").order_by("-created_at", "-id")[:500])
    endpoints = {
        e.token_id: e for e in WebhookEndpoint.objects.visible_to(principal).filter(token__in=[t.pk for t in tokens])
    }
    for t in tokens:
        t.endpoint = endpoints.get(t.pk)
    return tokens


def endpoint_for(principal, token, action=Action.VIEW):
    return WebhookEndpoint.objects.visible_to(principal, action).filter(token=token).first()


def recent_deliveries(principal, *, token=None, status="", limit=RECENT_DELIVERIES):
    """The latest deliveries (newest first), of one token or of all the principal manages."""
    qs = WebhookDelivery.objects.visible_to(principal).select_related("endpoint__token", "dispute")
    if token is not None:
        qs = qs.filter(endpoint__token=token)
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    return list(qs.order_by("-created_at", "-id")[:limit])
