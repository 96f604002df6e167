"""Legal education endpoints under /api/v1/education."""

from ninja import Router

router = Router(tags=["education"])
