"""The partner webhook pages: URL, secret shown once and rotated, deliveries sent again."""

import re

import pytest

from fengqiao.core.models import AuditEvent
from fengqiao.partners import services as partner_services
from fengqiao.partners.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from fengqiao.testing.factories import make_org, make_user


def shown_secret(html):
    match = re.search(r"whsec_[A-Za-z0-9_\-]{20,}", html)
    return match.group(0) if match else None


def test_setting_the_url_shows_the_secret_once(world, client_for, partner):
    token, _raw = partner
    client = client_for(world.city_admin)
    assert client.get("/partners/").status_code == 200
    response = client.post(f"/partners/tokens/{token.pk}/", {"url": "https://court.example.cn/hook", "is_active": "on"})
    assert response.status_code == 302
    endpoint = WebhookEndpoint.objects.get(token=token)
    assert endpoint.url == "https://court.example.cn/hook" and endpoint.is_active
    page = client.get(f"/partners/tokens/{token.pk}/")
    assert "no-store" in page["Cache-Control"]
    assert shown_secret(page.content.decode()) == endpoint.secret
    again = client.get(f"/partners/tokens/{token.pk}/").content.decode()
    assert shown_secret(again) is None and endpoint.secret_hint in again
    listing = client.get("/partners/").content.decode()
    assert "https://court.example.cn/hook" in listing and endpoint.secret not in listing
    event = AuditEvent.objects.get(action="webhook.save")
    assert endpoint.secret not in str(event.changes)
    # Saving again keeps the secret (and shows none).
    client.post(f"/partners/tokens/{token.pk}/", {"url": "https://court.example.cn/hook2"})
    endpoint.refresh_from_db()
    assert endpoint.url.endswith("hook2") and not endpoint.is_active
    assert shown_secret(client.get(f"/partners/tokens/{token.pk}/").content.decode()) is None


def test_rotating_the_secret_replaces_it_and_shows_the_new_one_once(world, client_for, partner):
    token, _raw = partner
    endpoint, old = partner_services.webhook_endpoint_save(
        actor=world.city_admin, token=token, url="https://court.example.cn/hook"
    )
    client = client_for(world.city_admin)
    assert client.post(f"/partners/tokens/{token.pk}/rotate/").status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert shown_secret(client.get(f"/partners/tokens/{token.pk}/").content.decode()) == endpoint.secret
    assert shown_secret(client.get(f"/partners/tokens/{token.pk}/").content.decode()) is None
    event = AuditEvent.objects.get(action="webhook.rotate_secret")
    assert endpoint.secret not in str(event.changes) and old not in str(event.changes)


@pytest.mark.parametrize(
    "url", ["", "court.example.cn", "ftp://court.example.cn/x", "javascript:alert(1)", "https://" + "a" * 500 + ".cn"]
)
def test_a_bad_url_is_refused_with_a_message(world, client_for, partner, url):
    token, _raw = partner
    response = client_for(world.city_admin).post(f"/partners/tokens/{token.pk}/", {"url": url, "is_active": "on"})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_resend_from_the_page(world, client_for, partner, receiver, django_capture_on_commit_callbacks):
    from fengqiao.partners.tests.test_webhooks import conclude, refer

    token, _raw = partner
    partner_services.webhook_endpoint_save(actor=world.city_admin, token=token, url=receiver.url)
    receiver.script = [500]
    delivery = conclude(world, refer(world, token), django_capture_on_commit_callbacks)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    client = client_for(world.city_admin)
    html = client.get("/partners/?status=failed").content.decode()
    assert f"/partners/deliveries/{delivery.pk}/resend/" in html and "HTTP 500" in html
    receiver.script = [500, 200]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/partners/deliveries/{delivery.pk}/resend/", {"next": "token"})
    assert response.status_code == 302 and response["Location"] == f"/partners/tokens/{token.pk}/"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert AuditEvent.objects.filter(action="webhook.resend", actor_user=world.city_admin).count() == 1


def test_only_administrators_of_the_tokens_area_may_manage_webhooks(world, client_for, partner):
    token, _raw = partner
    director = client_for(world.director_a)
    assert director.get("/partners/").status_code == 403
    assert director.get(f"/partners/tokens/{token.pk}/").status_code in (403, 404)
    assert director.post(f"/partners/tokens/{token.pk}/", {"url": "https://x.example.cn/"}).status_code in (403, 404)
    other_city = make_org("city", name="邻市", office_name="邻市司法局")
    other_admin = client_for(make_user(other_city, "city_admin", username="other_admin"))
    assert other_admin.get(f"/partners/tokens/{token.pk}/").status_code == 404
    assert other_admin.post(f"/partners/tokens/{token.pk}/rotate/").status_code == 404
    assert token.name not in other_admin.get("/partners/").content.decode()
    assert not WebhookEndpoint.objects.exists()
