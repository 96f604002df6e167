"""Public legal services endpoints under /api/v1/legal-services."""

from ninja import Router

router = Router(tags=["legalservices"])
