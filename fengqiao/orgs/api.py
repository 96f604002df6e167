"""Organisation tree endpoints."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from fengqiao.core.api import ErrorOut, principal, scoped_get
from fengqiao.core.permissions import Action

from . import selectors, services
from .models import OrgKind, OrgNode

router = Router(tags=["orgs"])
SCOPED = {"x-scoped-model": "orgs.OrgNode"}


class OrgOut(Schema):
    id: int
    kind: str
    name: str
    short_name: str
    office_name: str
    division_code: str
    parent_id: int | None
    office_id: int | None
    depth: int
    is_active: bool
    address: str
    phone: str


class OrgPage(Schema):
    items: list[OrgOut]
    next_cursor: str | None


class OrgIn(Schema):
    kind: OrgKind
    name: str = Field(..., min_length=1, max_length=100)
    parent_id: int
    short_name: str = ""
    office_name: str = ""
    division_code: str = ""
    address: str = ""
    phone: str = ""


@router.get("", response=OrgPage, summary="List organisations")
def list_orgs(
    request,
    q: str = "",
    kind: str = "",
    parent_id: int | None = None,
    active: bool | None = None,
    cursor: str | None = None,
    size: int | None = None,
):
    page = selectors.org_search(
        principal(request), q=q, kind=kind, parent=parent_id, active=active, cursor=cursor, size=size
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/{pk}", response={200: OrgOut, 404: ErrorOut}, summary="One organisation", openapi_extra=SCOPED)
def get_org(request, pk: int):
    return scoped_get(OrgNode, request, pk)


@router.get(
    "/{pk}/children", response={200: list[OrgOut], 404: ErrorOut}, summary="Direct children", openapi_extra=SCOPED
)
def get_children(request, pk: int):
    node = scoped_get(OrgNode, request, pk)
    return list(selectors.org_children(principal(request), node))


@router.post(
    "",
    response={201: OrgOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Create an organisation",
)
def create_org(request, payload: OrgIn):
    parent = get_object_or_404(selectors.org_visible(principal(request), Action.CREATE), pk=payload.parent_id)
    data = payload.dict()
    data.pop("parent_id")
    kind = data.pop("kind")
    name = data.pop("name")
    node = services.org_create(actor=principal(request), kind=kind, name=name, parent=parent, **data)
    return Status(201, node)
