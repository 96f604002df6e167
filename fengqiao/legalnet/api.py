"""Service points and village legal advisors endpoints under /api/v1/service-network."""

from ninja import Router

router = Router(tags=["legalnet"])
