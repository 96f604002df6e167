"""Webhooks to partners: when a case a partner referred concludes, the partner is told.

The delivery row is written in the transaction that concluded the case (so it exists exactly when
the conclusion does) and a task is queued when that transaction commits. Each attempt POSTs the
stored payload, signed:

    X-Fengqiao-Event:      case.concluded
    X-Fengqiao-Delivery:   <delivery id>  (the same for every attempt: receivers deduplicate on it)
    X-Fengqiao-Timestamp:  <unix seconds of this attempt>
    X-Fengqiao-Signature:  sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the endpoint secret>

A 2xx answer delivers it. Anything else (another status, a timeout, a refused connection) is
recorded and the delivery is tried again after 1, 2, 4, 8 … minutes, MAX_ATTEMPTS times in all;
then it is marked failed and an administrator can send it again from the partners page.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request

from django.db import transaction
from django.utils import timezone

from fengqiao.mediation import codes

from .models import DeliveryStatus, PartnerReferral, WebhookDelivery, WebhookEvent

logger = logging.getLogger("fengqiao.partners.webhooks")

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
# While one attempt is under way its delivery is not due, so a duplicate task (a resend racing a
# scheduled retry) skips it. Longer than any attempt can take.
ATTEMPT_LEASE = datetime.timedelta(minutes=2)
USER_AGENT = "Fengqiao-Webhook/1"

# Statuses in which a case has concluded (or was not accepted): the partner hears of each arrival.
CONCLUDED = frozenset(codes.CONCLUDED_STATUSES | {codes.Status.REJECTED})


def backoff(attempts: int) -> datetime.timedelta:
    """The pause after the `attempts`-th failed attempt: 1, 2, 4, 8 … minutes."""
    return datetime.timedelta(minutes=2 ** max(0, attempts - 1))


def encode(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted, Chinese as UTF-8."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (documented for partners, used by the tests)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


# --- the event ---------------------------------------------------------------------------------------


def case_payload(dispute, link: PartnerReferral) -> dict:
    """What the partner is told: its own reference, the case and how it ended. The agreement is
    summarised (form, amount, dates), not copied: its terms stay with the office."""
    from fengqiao.mediation.models import Agreement

    agreement = None
    if dispute.outcome == codes.Outcome.SUCCEEDED:
        a = Agreement.objects.filter(dispute=dispute).first()
        if a is not None:
            agreement = {
                "form": a.form,
                "amount": str(a.amount) if a.amount is not None else None,
                "signed_on": a.signed_on.isoformat(),
                "performance_deadline": a.performance_deadline.isoformat() if a.performance_deadline else None,
            }
    return {
        "event": WebhookEvent.CASE_CONCLUDED.value,
        "occurred_at": timezone.now().isoformat(),
        "case": {
            "id": dispute.pk,
            "number": dispute.number,
            "external_ref": link.external_ref,
            "status": dispute.status,
            "outcome": dispute.outcome,
            "reason": dispute.outcome_reason,
            "received_on": dispute.received_on.isoformat(),
            "concluded_on": dispute.concluded_on.isoformat() if dispute.concluded_on else None,
            "agreement": agreement,
        },
    }


def on_dispute_moved(sender, dispute, transition, from_status, actor=None, **kwargs):
    """Receiver of mediation's `dispute_moved`: runs inside the step's transaction."""
    if dispute.status not in CONCLUDED or dispute.status == from_status:
        return
    link = PartnerReferral.objects.filter(dispute_id=dispute.pk).select_related("token", "token__webhook").first()
    if link is None:
        return
    endpoint = getattr(link.token, "webhook", None)
    # A revoked or expired token has ended the partnership: its endpoint hears nothing more.
    if endpoint is None or not endpoint.is_active or not link.token.is_usable:
        return
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        dispute=dispute,
        org_id=dispute.org_id,
        event=WebhookEvent.CASE_CONCLUDED,
        payload=case_payload(dispute, link),
    )
    schedule_on_commit(delivery)


# --- queueing ----------------------------------------------------------------------------------------


def schedule_on_commit(delivery: WebhookDelivery):
    pk, when = delivery.pk, delivery.next_attempt_at
    transaction.on_commit(lambda: enqueue(pk, when))


def enqueue(delivery_id: int, run_after: datetime.datetime | None = None):
    """Queue an attempt on the task worker, deferred to `run_after` when it lies ahead.

    A backend that cannot defer (the immediate backend of the tests) is not asked to: the delivery
    stays pending with its `next_attempt_at`, and `deliver()` (or `retry_due()`) takes it then.
    """
    from .tasks import deliver_webhook

    task = deliver_webhook
    if run_after is not None and run_after > timezone.now():
        if not task.get_backend().supports_defer:
            logger.info("delivery %s due at %s: backend cannot defer, left for retry_due()", delivery_id, run_after)
            return None
        task = task.using(run_after=run_after)
    try:
        return task.enqueue(delivery_id)
    except Exception:
        # The row stays pending and due: `retry_due()` (manage.py webhooks_retry) picks it up.
        logger.exception("could not queue webhook delivery %s", delivery_id)
        return None


def due_deliveries(now=None):
    """Pending deliveries whose attempt is due: those whose task was lost (a worker killed during
    an attempt, a queue that refused the task)."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "id"
    )


def retry_due(now=None, limit=500) -> int:
    ids = list(due_deliveries(now).values_list("pk", flat=True)[:limit])
    for pk in ids:
        enqueue(pk)
    return len(ids)


# --- one attempt -------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: following it would replay the POST elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send(url: str, secret: str, delivery_id: int, event: str, body: bytes) -> tuple[int | None, str]:
    """POST one signed attempt. Returns (HTTP status or None, error text or "")."""
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - the URL is validated to be http(s) when saved
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Fengqiao-Event": event,
            "X-Fengqiao-Delivery": str(delivery_id),
            "X-Fengqiao-Timestamp": timestamp,
            "X-Fengqiao-Signature": sign(secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, f"HTTP {exc.code} {exc.reason}"[:500]
    except urllib.error.URLError as exc:
        return None, str(exc.reason)[:500]
    except (TimeoutError, OSError, http.client.HTTPException, ValueError) as exc:
        return None, (f"{type(exc).__name__}: {exc}")[:500]
    if 200 <= status < 300:
        return status, ""
    return status, f"HTTP {status}"


def _locked(delivery_id):
    return (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "endpoint__token")
        .filter(pk=delivery_id)
        .first()
    )


def deliver(delivery_id: int, *, now: datetime.datetime | None = None) -> str:
    """Make one attempt at a delivery if it is pending and due; record what happened and, after a
    failure, schedule the next attempt. Returns the delivery's status afterwards.

    The network call happens outside any transaction, so no row stays locked (and SQLite's single
    writer is not held) while a partner's server takes its time.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = _locked(delivery_id)
        if delivery is None:
            return "missing"
        if delivery.status != DeliveryStatus.PENDING:
            return delivery.status
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
            return "not_due"
        endpoint = delivery.endpoint
        if not endpoint.is_active or not endpoint.token.is_usable:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            delivery.last_error = "endpoint deactivated or token no longer valid"
            delivery.save(update_fields=["status", "next_attempt_at", "last_error", "updated_at"])
            return delivery.status
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + ATTEMPT_LEASE
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at", "updated_at"])
        url, secret, event, body = endpoint.url, endpoint.secret, delivery.event, encode(delivery.payload)

    code, error = send(url, secret, delivery_id, event, body)

    with transaction.atomic():
        delivery = _locked(delivery_id)
        delivery.last_response_code = code
        delivery.last_error = error
        if code is not None and 200 <= code < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            logger.warning("webhook delivery %s failed after %s attempts: %s", delivery_id, delivery.attempts, error)
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            schedule_on_commit(delivery)
        delivery.save(
            update_fields=[
                "status",
                "last_response_code",
                "last_error",
                "delivered_at",
                "next_attempt_at",
                "updated_at",
            ]
        )
    return delivery.status
