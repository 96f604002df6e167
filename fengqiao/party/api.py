"""Party building endpoints under /api/v1/party."""

from ninja import Router

router = Router(tags=["party"])
