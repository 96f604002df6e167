"""Leak-matrix planters for the partner side: one object of each scoped model in office B."""

from fengqiao.testing.leak import MARKER, planter


def _token_b(world):
    from fengqiao.core.models import ApiToken
    from fengqiao.core.services import api_token_create

    token = ApiToken.objects.filter(name=f"{MARKER}-partner").first()
    if token is None:
        token, _raw = api_token_create(
            actor=world.city_admin,
            name=f"{MARKER}-partner",
            org=world.office_b,
            grants=["mediation.view", "mediation.create"],
        )
    return token


def _referral(world):
    from .models import PartnerReferral

    link = PartnerReferral.objects.filter(external_ref=f"{MARKER}-ref").select_related("dispute").first()
    if link is not None:
        return link
    from fengqiao.mediation.models import Dispute

    token = _token_b(world)
    dispute = Dispute.objects.filter(summary__startswith=MARKER, office=world.office_b).first()
    if dispute is None:
        from fengqiao.mediation.testing import _plant_dispute

        dispute = _plant_dispute(world)
    return PartnerReferral.objects.create(
        token=token, dispute=dispute, org_id=dispute.org_id, external_ref=f"{MARKER}-ref", referral_source="court"
    )


def _endpoint(world):
    from .models import WebhookEndpoint

    token = _token_b(world)
    return WebhookEndpoint.objects.get_or_create(
        token=token, defaults={"org_id": token.org_id, "url": f"https://{MARKER.lower()}.example.cn/hook"}
    )[0]


@planter("partners.PartnerReferral")
def _plant_referral(world):
    return _referral(world)


@planter("partners.WebhookEndpoint")
def _plant_endpoint(world):
    return _endpoint(world)


@planter("partners.WebhookDelivery")
def _plant_delivery(world):
    from .models import DeliveryStatus, WebhookDelivery

    link = _referral(world)
    return WebhookDelivery.objects.create(
        endpoint=_endpoint(world),
        dispute=link.dispute,
        org_id=link.dispute.org_id,
        event="case.concluded",
        payload={"case": {"number": link.dispute.number, "external_ref": link.external_ref, "note": MARKER}},
        status=DeliveryStatus.FAILED,
        attempts=8,
        last_error=f"{MARKER} refused",
    )
