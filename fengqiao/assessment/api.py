"""Construction-standard endpoints under /api/v1/standards."""

from ninja import Router

router = Router(tags=["assessment"])
