"""Partner referral intake: `POST /api/v1/mediation/referrals` (mounted by mediation's router).

A partner system (court, police station, petition bureau, traffic police) sends a dispute with its
own reference and an `Idempotency-Key`. Sending the same request again, after a timeout say,
returns the first answer (header `Idempotent-Replayed: true`) and creates nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Header, Router, Schema, Status
from pydantic import ConfigDict

from fengqiao.core.api import ErrorOut, principal
from fengqiao.core.converters import MAX_ID
from fengqiao.mediation import codes

from . import services

router = Router(tags=["partners"])


class ReferralPartyIn(Schema):
    model_config = ConfigDict(extra="forbid")

    side: codes.PartySide
    kind: codes.PartyKind = codes.PartyKind.PERSON
    name: str = Field(..., min_length=1, max_length=100)
    id_number: str = Field("", max_length=30)
    org_code: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)
    address: str = Field("", max_length=200)


class ReferralIn(Schema):
    """A dispute referred by a partner. Name the place by its 12-digit division code or unit id."""

    model_config = ConfigDict(extra="forbid")

    external_ref: str = Field(..., min_length=1, max_length=64, description="The partner's own reference")
    division_code: str = Field("", max_length=12, description="12-digit statistical division code of the place")
    org_id: int | None = Field(None, ge=1, le=MAX_ID, description="Or the platform's id of the unit")
    referral_source: codes.ReferralSource
    referral_body: str = Field("", max_length=100, description="Name of the referring body (default: the token's)")
    event_type: str = Field(..., min_length=4, max_length=4, description="GB/T 31000-2015 event type code")
    summary: str = Field(..., min_length=1, max_length=100)
    description: str = Field(..., min_length=1, max_length=10_000)
    received_on: datetime.date | None = Field(None, description="Default: today")
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    people_count: int = Field(2, ge=2, le=100_000)
    scale: str = Field("01", max_length=2)
    parties: list[ReferralPartyIn] = Field(..., min_length=2, max_length=50)


class ReferralOut(Schema):
    id: int
    number: str
    status: str
    external_ref: str
    org_id: int
    office_id: int
    received_on: datetime.date


@router.post(
    "/referrals",
    response={201: ReferralOut, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Refer a dispute (idempotent)",
    description=(
        "Requires the header `Idempotency-Key` (1-255 printable ASCII characters, e.g. a UUID). The same key "
        "with the same body returns the first answer again, with `Idempotent-Replayed: true`, and creates "
        "nothing; the same key with another body is refused (422 `idempotency_key_reused`); a reference "
        "already received under another key is refused (409 `duplicate_referral`). When the case concludes, "
        "the token's webhook (if set) is called."
    ),
)
def receive_referral(
    request,
    response: HttpResponse,
    payload: ReferralIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    data = payload.dict()
    status, body, replayed = services.referral_receive(
        actor=principal(request),
        key=idempotency_key,
        body_hash=services.request_hash(request.body),
        external_ref=data["external_ref"],
        org_id=data["org_id"],
        division_code=data["division_code"],
        referral_source=data["referral_source"],
        referral_body_name=data["referral_body"],
        event_type=data["event_type"],
        summary=data["summary"],
        description=data["description"],
        received_on=data["received_on"],
        amount=data["amount"],
        people_count=data["people_count"],
        scale=data["scale"],
        parties=[{k: str(v) if k in ("side", "kind") else v for k, v in p.items()} for p in data["parties"]],
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(status, body)
