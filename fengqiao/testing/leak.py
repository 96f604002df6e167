"""The leak matrix: every route and API operation, against objects of another office.

For every scoped model a *planter* creates one object in office B (and in no office of a second
city) whose text carries MARKER. Then, as users who must not see it (office A's director holding
every office role, a city administrator of another city, an API token bound to office A with every
grant), the matrix:

- calls every URL pattern that takes a `pk` with the planted object's id, by GET and by POST, and
  demands 403 or 404, with the object unchanged;
- calls every URL pattern without parameters (lists, searches, exports) with and without
  `?q=MARKER` and demands that MARKER appear nowhere in the response (xlsx included);
- does the same for every operation of the API, read from its OpenAPI schema.

Routes added later are covered without extra work: a route with parameters that does not declare
its model (`scoped_model` on the view, `x-scoped-model` on the API operation) fails the matrix, and
so does a scoped model without a planter.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from fengqiao.core.audit import snapshot
from fengqiao.core.permissions import OFFICE_GRANTABLE_ROLES, Role
from fengqiao.core.scoping import SCOPED_MODELS
from fengqiao.orgs.models import OrgKind

MARKER = "LEAKMARK"
# What the matrix searches for: a prefix of MARKER, so that a search finds the planted objects while
# a page that merely echoes the query (a search box, a "next" link) does not contain MARKER itself.
QUERY = MARKER[:5]

# label → planter(world) → object in office B carrying MARKER. Apps register theirs with @planter.
PLANTERS: dict[str, Callable] = {}

# Routes whose parameters are not object ids (none yet); each entry needs a reason.
PARAMETER_ALLOWLIST: dict[str, str] = {}


def planter(label: str):
    def register(fn):
        PLANTERS[label] = fn
        return fn

    return register


@planter("orgs.OrgNode")
def _plant_org(world):
    from fengqiao.testing.factories import make_org

    return make_org(OrgKind.VILLAGE, world.office_b, name=f"{MARKER}村")


@planter("accounts.User")
def _plant_user(world):
    from fengqiao.testing.factories import make_user, valid_id_number

    return make_user(
        world.office_b,
        Role.STAFF,
        username=f"{MARKER.lower()}_user",
        full_name=f"{MARKER}人员",
        id_number=valid_id_number("32028119850101999"),
        phone="13912345678",
    )


@planter("core.AuditEvent")
def _plant_audit(world):
    from fengqiao.core.models import AuditEvent, AuditKind

    return AuditEvent.objects.create(
        kind=AuditKind.ACTION,
        action="leak.test",
        actor_repr=f"{MARKER}-actor",
        object_repr=f"{MARKER}-object",
        org=world.office_b,
        office=world.office_b,
    )


@planter("core.ApiToken")
def _plant_token(world):
    from fengqiao.core.services import api_token_create

    token, _ = api_token_create(
        actor=world.city_admin, name=f"{MARKER}-gateway", org=world.office_b, grants=["orgs.view"]
    )
    return token


def load_app_planters():
    """Import `<app>.testing` of every Fengqiao app, where later modules register their planters."""
    import importlib

    for config in apps.get_app_configs():
        if config.name.startswith("fengqiao."):
            try:
                importlib.import_module(f"{config.name}.testing")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.testing":
                    raise


@dataclass
class Route:
    route: str  # e.g. "orgs/<int:pk>/edit/"
    name: str
    callback: Callable
    params: list[str]

    @property
    def view_class(self):
        return getattr(self.callback, "view_class", None)

    def scoped_model(self):
        cls = self.view_class
        return getattr(cls, "scoped_model", None) if cls else getattr(self.callback, "scoped_model", None)

    def url(self, **values) -> str:
        path = self.route
        for name, value in values.items():
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
        return "/" + path


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")


def django_routes(urlconf=None) -> list[Route]:
    """Every URL pattern outside the API (which is checked through its schema), flattened."""
    routes: list[Route] = []

    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns and ns.endswith("api"):
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith("^") or "(?P" in route:
                    continue  # regex routes: only static-file helpers in DEBUG
                routes.append(Route(route=route, name=p.name or "", callback=p.callback, params=_PARAM.findall(route)))

    walk(get_resolver(urlconf).url_patterns, "", None)
    return routes


def response_text(response) -> str:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(c) for c in row if c is not None)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
        )
    return body.decode("utf-8", errors="replace")


def _unchanged(obj) -> bool:
    fresh = type(obj)._base_manager.filter(pk=obj.pk).first()
    return fresh is not None and snapshot(fresh) == snapshot(obj)


def check_django_routes(viewers, planted: dict, urlconf=None) -> list[str]:
    """viewers: [(label, client)]; planted: model label → object of office B. Returns failures."""
    failures = []
    for route in django_routes(urlconf):
        if route.params:
            if route.route in PARAMETER_ALLOWLIST:
                continue
            model = route.scoped_model()
            if route.params != ["pk"] or model is None:
                failures.append(f"{route.route}: takes {route.params} but declares no scoped_model")
                continue
            obj = planted.get(model._meta.label)
            if obj is None:
                failures.append(f"{route.route}: no planter for {model._meta.label}")
                continue
            url = route.url(pk=obj.pk)
            for label, client in viewers:
                for method in ("get", "post"):
                    response = getattr(client, method)(url)
                    if response.status_code not in (403, 404):
                        failures.append(
                            f"{route.route} [{method.upper()} as {label}]: another office's "
                            f"{model._meta.label} answered {response.status_code}, expected 404"
                        )
                    elif not _unchanged(obj):
                        failures.append(f"{route.route} [{method.upper()} as {label}]: changed another office's object")
        else:
            url = route.url()
            for label, client in viewers:
                for query in ("", f"?q={QUERY}"):
                    response = client.get(url + query)
                    if response.status_code >= 500:
                        failures.append(f"{route.route}{query} [GET as {label}]: server error {response.status_code}")
                    elif response.status_code == 200 and MARKER in response_text(response):
                        failures.append(f"{route.route}{query} [GET as {label}]: shows another office's data")
    return failures


def check_api(viewers, planted: dict, api) -> list[str]:
    """The same matrix for every operation of a NinjaAPI, read from its OpenAPI schema."""
    failures = []
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            params = re.findall(r"{(\w+)}", path)
            if params:
                label = op.get("x-scoped-model")
                if not label or params != ["pk"]:
                    failures.append(f"API {method.upper()} {path}: takes {params} but declares no x-scoped-model")
                    continue
                obj = planted.get(label)
                if obj is None:
                    failures.append(f"API {method.upper()} {path}: no planter for {label}")
                    continue
                url = path.replace("{pk}", str(obj.pk))
                for who, client in viewers:
                    response = client.generic(method.upper(), url, data=json.dumps({}), content_type="application/json")
                    if response.status_code not in (403, 404):
                        failures.append(f"API {method.upper()} {path} [{who}]: answered {response.status_code}")
                    elif not _unchanged(obj):
                        failures.append(f"API {method.upper()} {path} [{who}]: changed another office's object")
            elif method == "get":
                for who, client in viewers:
                    for query in ("", f"?q={QUERY}"):
                        response = client.get(path + query)
                        if response.status_code >= 500:
                            failures.append(f"API GET {path}{query} [{who}]: server error {response.status_code}")
                        elif response.status_code == 200 and MARKER in response_text(response):
                            failures.append(f"API GET {path}{query} [{who}]: shows another office's data")
    return failures


def build_viewers(world):
    """Those who must never see office B's objects, each with a signed-in client.

    Returns (web viewers, API viewers): the API viewers add an API token of office A holding every
    grant (a token signs in nothing on the web pages, so it is only tried on the API)."""
    from django.test import Client

    from fengqiao.core.models import GRANTABLE_TOKEN_ACTIONS
    from fengqiao.core.services import api_token_create
    from fengqiao.testing.factories import make_org, make_user

    everything_a = make_user(world.office_a, Role.DIRECTOR, *OFFICE_GRANTABLE_ROLES, username="matrix_office_a")
    other_city = make_org(OrgKind.CITY, name="邻市", office_name="邻市司法局")
    make_org(OrgKind.TOWN, other_city, name="邻镇", office_name="邻镇司法所")
    other_admin = make_user(other_city, Role.CITY_ADMIN, username="matrix_other_city_admin")
    web = []
    for label, user in (("office A, every office role", everything_a), ("admin of another city", other_admin)):
        client = Client()
        client.force_login(user)
        web.append((label, client))
    _, raw = api_token_create(
        actor=world.city_admin, name="matrix token", org=world.office_a, grants=GRANTABLE_TOKEN_ACTIONS
    )
    token = ("API token of office A, every grant", Client(headers={"Authorization": f"Bearer {raw}"}))
    return web, [*web, token]


def plant_all(world) -> tuple[dict, list[str]]:
    load_app_planters()
    planted, missing = {}, []
    for label in SCOPED_MODELS:
        fn = PLANTERS.get(label)
        if fn is None:
            missing.append(f"scoped model {label} has no planter in the leak matrix")
            continue
        planted[label] = fn(world)
    return planted, missing
