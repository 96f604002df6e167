"""Webhooks to the referring partner: signed, queued after commit, retried with backoff."""

import datetime
import json

import pytest
from django.utils import timezone

from fengqiao.core.services import api_token_revoke
from fengqiao.mediation import codes, services
from fengqiao.partners import services as partner_services
from fengqiao.partners import webhooks
from fengqiao.partners.models import DeliveryStatus, PartnerReferral, WebhookDelivery
from fengqiao.testing.factories import valid_id_number

TODAY = timezone.localdate()
MINUTE = datetime.timedelta(minutes=1)


def refer(world, token, external_ref="(2026)苏0281民诉前调77号"):
    """A case as the referral API creates it (the API itself is tested in test_referrals)."""
    _status, body, _replayed = partner_services.referral_receive(
        actor=token,
        key=f"key-{abs(hash(external_ref))}",
        body_hash="x",
        external_ref=external_ref,
        org_id=world.village_a1.pk,
        referral_source="court",
        event_type="0401",
        summary="货款纠纷",
        description="诉前委派调解。",
        received_on=TODAY - datetime.timedelta(days=2),
        parties=[
            {"side": "applicant", "name": "张三", "id_number": valid_id_number()},
            {"side": "respondent", "name": "李四"},
        ],
    )
    return services.Dispute.objects.get(pk=body["id"])


@pytest.fixture
def endpoint(world, partner, receiver):
    token, _raw = partner
    endpoint, secret = partner_services.webhook_endpoint_save(actor=world.city_admin, token=token, url=receiver.url)
    assert secret == endpoint.secret
    return endpoint


def conclude(world, case, django_capture_on_commit_callbacks, how="succeed"):
    case = services.dispute_accept(actor=world.director_a, dispute=case)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "succeed":
            services.dispute_succeed(
                actor=world.director_a,
                dispute=case,
                form="written",
                terms="被告分期支付货款。",
                signed_on=TODAY,
                amount="36000",
                performance_deadline=TODAY + datetime.timedelta(days=30),
            )
        elif how == "terminate":
            services.dispute_terminate(actor=world.director_a, dispute=case, reason="原告撤回")
    return WebhookDelivery.objects.filter(dispute=case).first()


def test_a_concluded_referral_is_reported_signed(
    world, partner, endpoint, receiver, django_capture_on_commit_callbacks
):
    token, _raw = partner
    case = refer(world, token)
    delivery = conclude(world, case, django_capture_on_commit_callbacks)
    assert delivery is not None
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert delivery.last_response_code == 200 and delivery.delivered_at is not None
    assert delivery.office_id == world.office_a.pk

    [hit] = receiver.received
    assert hit.path == "/fengqiao/hook"
    assert hit.headers["x-fengqiao-event"] == "case.concluded"
    assert hit.headers["x-fengqiao-delivery"] == str(delivery.pk)
    assert hit.headers["content-type"].startswith("application/json")
    timestamp = hit.headers["x-fengqiao-timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    assert webhooks.verify(endpoint.secret, timestamp, hit.body, hit.headers["x-fengqiao-signature"])
    assert not webhooks.verify("whsec_wrong", timestamp, hit.body, hit.headers["x-fengqiao-signature"])
    payload = json.loads(hit.body)
    assert payload["event"] == "case.concluded"
    assert payload["case"] == {
        "id": case.pk,
        "number": case.number,
        "external_ref": "(2026)苏0281民诉前调77号",
        "status": "succeeded",
        "outcome": "succeeded",
        "reason": "",
        "received_on": (TODAY - datetime.timedelta(days=2)).isoformat(),
        "concluded_on": TODAY.isoformat(),
        "agreement": {
            "form": "written",
            "amount": "36000.00",
            "signed_on": TODAY.isoformat(),
            "performance_deadline": (TODAY + datetime.timedelta(days=30)).isoformat(),
        },
    }
    assert "被告分期" not in hit.body.decode() and valid_id_number() not in hit.body.decode()


def test_the_signature_is_hmac_of_timestamp_dot_body(endpoint):
    import hashlib
    import hmac

    body = b'{"a":1}'
    expected = hmac.new(endpoint.secret.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhooks.sign(endpoint.secret, "1700000000", body) == f"sha256={expected}"


@pytest.mark.parametrize("how", ["terminate", "reject", "fail"])
def test_every_conclusion_is_reported(world, partner, endpoint, receiver, django_capture_on_commit_callbacks, how):
    token, _raw = partner
    case = refer(world, token)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "reject":
            services.dispute_reject(actor=world.director_a, dispute=case, reason="不属于受理范围")
        else:
            case = services.dispute_accept(actor=world.director_a, dispute=case)
            if how == "fail":
                services.session_add(actor=world.director_a, dispute=case, held_on=TODAY, place="所", record="谈")
                services.dispute_fail(actor=world.director_a, dispute=case, reason="分歧过大")
            else:
                services.dispute_terminate(actor=world.director_a, dispute=case, reason="已起诉")
    [hit] = receiver.received
    sent = json.loads(hit.body)["case"]
    expected = {"reject": "rejected", "fail": "failed", "terminate": "terminated"}[how]
    assert sent["status"] == sent["outcome"] == expected and sent["reason"] and sent["agreement"] is None


def test_steps_that_conclude_nothing_send_nothing(
    world, partner, endpoint, receiver, django_capture_on_commit_callbacks
):
    token, _raw = partner
    case = refer(world, token)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.dispute_accept(actor=world.director_a, dispute=case)
        services.session_add(actor=world.director_a, dispute=case, held_on=TODAY, place="所", record="谈")
    assert not WebhookDelivery.objects.exists() and receiver.received == []


def test_cases_not_referred_by_a_partner_send_nothing(world, endpoint, receiver, django_capture_on_commit_callbacks):
    case = services.dispute_register(
        actor=world.director_a,
        org=world.village_a1,
        channel="visit",
        event_type="0201",
        summary="排水",
        description="排水沟堵塞",
        received_on=TODAY,
        parties=[{"side": "applicant", "name": "甲"}, {"side": "respondent", "name": "乙"}],
    )
    conclude(world, case, django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists() and receiver.received == []


def test_no_endpoint_an_inactive_one_or_a_revoked_token_send_nothing(
    world, partner, receiver, django_capture_on_commit_callbacks
):
    token, _raw = partner
    conclude(world, refer(world, token, "no-endpoint"), django_capture_on_commit_callbacks)
    partner_services.webhook_endpoint_save(actor=world.city_admin, token=token, url=receiver.url, is_active=False)
    conclude(world, refer(world, token, "inactive"), django_capture_on_commit_callbacks)
    partner_services.webhook_endpoint_save(actor=world.city_admin, token=token, url=receiver.url, is_active=True)
    case = refer(world, token, "revoked")
    api_token_revoke(actor=world.city_admin, token=token)
    conclude(world, case, django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists() and receiver.received == []


def test_nothing_is_sent_when_the_step_rolls_back(world, partner, endpoint, receiver):
    """The delivery row is written in the step's transaction and queued on its commit."""
    from django.db import transaction

    token, _raw = partner
    case = services.dispute_accept(actor=world.director_a, dispute=refer(world, token))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dispute_terminate(actor=world.director_a, dispute=case, reason="撤回")
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError
    assert not WebhookDelivery.objects.exists() and receiver.received == []


# --- retries ---------------------------------------------------------------------------------------------


def test_failures_are_retried_with_backoff_until_delivered(
    world, partner, endpoint, receiver, django_capture_on_commit_callbacks
):
    token, _raw = partner
    receiver.script = [500, 503, 200]
    delivery = conclude(world, refer(world, token), django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    first_try = delivery.last_attempt_at
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_response_code == 500 and "500" in delivery.last_error
    assert delivery.next_attempt_at == first_try + webhooks.backoff(1) == first_try + MINUTE

    # Not due yet: a duplicate task does nothing.
    assert webhooks.deliver(delivery.pk, now=first_try + MINUTE / 2) == "not_due"
    assert len(receiver.received) == 1

    second_try = first_try + MINUTE
    assert webhooks.deliver(delivery.pk, now=second_try) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_response_code == 503
    assert delivery.next_attempt_at == second_try + 2 * MINUTE

    assert webhooks.deliver(delivery.pk, now=second_try + 2 * MINUTE) == DeliveryStatus.DELIVERED
    delivery.refresh_from_db()
    assert delivery.attempts == 3 and delivery.last_error == "" and delivery.next_attempt_at is None
    # Every attempt carries the same delivery id and a valid signature of the same body.
    assert {h.headers["x-fengqiao-delivery"] for h in receiver.received} == {str(delivery.pk)}
    assert len({h.body for h in receiver.received}) == 1
    for hit in receiver.received:
        assert webhooks.verify(
            endpoint.secret, hit.headers["x-fengqiao-timestamp"], hit.body, hit.headers["x-fengqiao-signature"]
        )
    # Delivered is final: a stray task sends nothing more.
    assert webhooks.deliver(delivery.pk, now=second_try + 60 * MINUTE) == DeliveryStatus.DELIVERED
    assert len(receiver.received) == 3


def test_backoff_doubles_and_gives_up_after_the_last_attempt(
    world, partner, endpoint, receiver, django_capture_on_commit_callbacks
):
    token, _raw = partner
    receiver.script = [500]
    delivery = conclude(world, refer(world, token), django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    pauses = []
    while delivery.status == DeliveryStatus.PENDING:
        now = delivery.next_attempt_at
        pauses.append(round((delivery.next_attempt_at - delivery.last_attempt_at) / MINUTE))
        webhooks.deliver(delivery.pk, now=now)
        delivery.refresh_from_db()
    assert pauses == [1, 2, 4, 8, 16, 32, 64]
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == webhooks.MAX_ATTEMPTS == 8
    assert delivery.next_attempt_at is None and len(receiver.received) == 8


def test_unreachable_slow_and_redirecting_partners_are_failures(
    world, partner, endpoint, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    token, _raw = partner
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.3)
    receiver.script = [("sleep", 1.0)]
    slow = conclude(world, refer(world, token, "slow"), django_capture_on_commit_callbacks)
    slow.refresh_from_db()
    assert slow.status == DeliveryStatus.PENDING and slow.last_response_code is None
    assert "timed out" in slow.last_error.lower()

    receiver.script = [302]
    receiver.received.clear()
    moved = conclude(world, refer(world, token, "moved"), django_capture_on_commit_callbacks)
    moved.refresh_from_db()
    assert moved.status == DeliveryStatus.PENDING and moved.last_response_code == 302
    assert len(receiver.received) == 1  # the redirect was not followed

    endpoint.url = "http://127.0.0.1:9/closed"
    endpoint.save()
    closed = conclude(world, refer(world, token, "closed"), django_capture_on_commit_callbacks)
    closed.refresh_from_db()
    assert closed.status == DeliveryStatus.PENDING and closed.last_error and closed.attempts == 1


def test_a_switched_off_endpoint_ends_pending_deliveries(
    world, partner, endpoint, receiver, django_capture_on_commit_callbacks
):
    token, _raw = partner
    receiver.script = [500]
    delivery = conclude(world, refer(world, token), django_capture_on_commit_callbacks)
    partner_services.webhook_endpoint_save(actor=world.city_admin, token=token, url=receiver.url, is_active=False)
    delivery.refresh_from_db()
    assert webhooks.deliver(delivery.pk, now=delivery.next_attempt_at) == DeliveryStatus.FAILED
    assert len(receiver.received) == 1


def test_resend_starts_a_fresh_series(world, partner, endpoint, receiver, django_capture_on_commit_callbacks):
    token, _raw = partner
    receiver.script = [500]
    delivery = conclude(world, refer(world, token), django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=8, next_attempt_at=None
    )
    receiver.script = [500, 200]
    with django_capture_on_commit_callbacks(execute=True):
        partner_services.webhook_delivery_resend(actor=world.city_admin, delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1


def test_retry_due_queues_deliveries_whose_task_was_lost(
    world, partner, endpoint, receiver, django_capture_on_commit_callbacks
):
    token, _raw = partner
    receiver.script = [500, 200]
    delivery = conclude(world, refer(world, token), django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert webhooks.retry_due() == 0  # not due yet
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - MINUTE)
    assert webhooks.retry_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_deferring_backend_gets_the_retry_with_run_after(
    world, partner, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    """On the database backend (which can defer) a failed attempt queues the next one itself."""
    from fengqiao.partners.tasks import deliver_webhook

    token, _raw = partner
    receiver.script = [500]
    delivery = conclude(world, refer(world, token), django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    # Settings changes reset django-tasks' backends (its setting_changed receiver).
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    assert deliver_webhook.get_backend().supports_defer
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    [queued] = deliver_webhook.get_backend().results
    assert list(queued.args) == [delivery.pk]
    assert queued.task.run_after == delivery.next_attempt_at


def test_links_are_one_per_case(world, partner):
    token, _raw = partner
    case = refer(world, token)
    assert PartnerReferral.objects.get(dispute=case).referral_source == codes.ReferralSource.COURT
