"""Current user and user directory endpoints."""

from __future__ import annotations

from ninja import Router, Schema

from fengqiao.core.api import ErrorOut, principal, scoped_get
from fengqiao.core.models import ApiToken
from fengqiao.core.validators import mask_id_number, mask_phone

from . import selectors
from .models import User

router = Router(tags=["accounts"])


class OrgRef(Schema):
    id: int
    name: str
    kind: str


class MeOut(Schema):
    kind: str
    id: int
    name: str
    org: OrgRef
    roles: list[str]
    permissions: dict[str, list[str]]
    scope: list[OrgRef]


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    org_id: int
    office_id: int
    title: str
    phone_masked: str
    id_number_masked: str
    roles: list[str]
    is_active: bool

    @staticmethod
    def resolve_phone_masked(obj):
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_id_number_masked(obj):
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_roles(obj):
        return sorted(r.role for r in obj.roles.all())


class UserPage(Schema):
    items: list[UserOut]
    next_cursor: str | None


def _ref(node):
    return {"id": node.pk, "name": node.name, "kind": node.kind}


@router.get("/me", response=MeOut, summary="Who am I")
def me(request):
    p = principal(request)
    if isinstance(p, ApiToken):
        perms: dict[str, list[str]] = {}
        for grant in p.grants:
            module, action = grant.split(".", 1)
            perms.setdefault(module, []).append(action)
        return {
            "kind": "token",
            "id": p.pk,
            "name": p.name,
            "org": _ref(p.org),
            "roles": [],
            "permissions": perms,
            "scope": [_ref(p.org)],
        }
    return {
        "kind": "user",
        "id": p.pk,
        "name": p.full_name or p.username,
        "org": _ref(p.org),
        "roles": sorted(p.role_codes),
        "permissions": {m: sorted(a) for m, a in p.permissions.items()},
        "scope": [_ref(n) for n in p.scope_nodes()],
    }


@router.get("/users", response=UserPage, summary="List users")
def list_users(
    request, q: str = "", role: str = "", active: bool | None = None, cursor: str | None = None, size: int | None = None
):
    page = selectors.user_search(principal(request), q=q, role=role, active=active, cursor=cursor, size=size)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/users/{pk}",
    response={200: UserOut, 404: ErrorOut},
    summary="One user",
    openapi_extra={"x-scoped-model": "accounts.User"},
)
def get_user(request, pk: int):
    return scoped_get(User, request, pk, select_related=("org",))
