"""Location ingest for devices and vendor gateways: `POST /api/v1/corrections/fixes`.

Gateways authenticate with their own API token (grant `corrections.create`), bound to the offices
whose devices they carry. The body is read as raw JSON and checked fix by fix inside the ingest
pipeline (not by a pydantic model of the whole batch): a bad fix is refused with its reason while
the good fixes of the same batch are stored."""

from __future__ import annotations

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema

from fengqiao.core.api import ErrorOut, TokenAuth, body_doc, principal
from fengqiao.core.errors import Forbidden
from fengqiao.core.models import ApiToken
from fengqiao.core.permissions import Action, Module

from .ingest import ingest

router = Router(tags=["corrections: location ingest"])


class FixIn(Schema):
    device: str
    seq: int
    time: int | str
    lat: float
    lon: float
    datum: Literal["WGS84", "GCJ02"] = "WGS84"
    accuracy: float | None = None
    source: Literal["gps", "cell", "wifi"] = "gps"
    battery: int | None = None
    tamper: bool = False


class BatchIn(Schema):
    fixes: list[FixIn]


class Refused(Schema):
    index: int
    device: str | None
    seq: int | None
    reason: str
    message: str


class BatchOut(Schema):
    received: int
    stored: int
    duplicates: int
    refused_count: int
    refused: list[Refused]
    alerts_raised: int


@router.post(
    "/fixes",
    auth=[TokenAuth()],
    response={200: BatchOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="Send a batch of location fixes",
    description=(
        "Up to 5,000 fixes per batch. `time` is epoch milliseconds or ISO 8601 with a time zone; "
        "`datum` WGS84 (default) or GCJ02. Idempotent: (device, seq) is stored once, so a batch may "
        "be resent safely. Fixes from a device with no positioning measure in force are refused and "
        "counted, not stored. The answer lists each refused fix with its reason."
    ),
    openapi_extra=body_doc(BatchIn),
    operation_id="corrections_fixes_ingest",
)
def post_fixes(request):
    token = principal(request)
    if not isinstance(token, ApiToken) or not token.has_action(Module.CORRECTIONS, Action.CREATE):
        raise Forbidden(_("This token may not send location data (it needs corrections.create)."))
    return ingest(token=token, body=request.body).as_dict()
