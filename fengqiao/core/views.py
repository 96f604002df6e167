"""Shared view plumbing (scoped object lookup, module checks, service-error handling) and the
platform pages: home, audit trail, API tokens."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import View

from .errors import DomainError
from .models import ApiToken, AuditEvent
from .permissions import Action, Module


class ModuleMixin(LoginRequiredMixin):
    """Refuses (403) users whose roles do not grant `action` on `module`."""

    module: str = ""
    action: str = Action.VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if self.module and not request.user.has_action(self.module, self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ScopedObjectMixin(ModuleMixin):
    """Loads `scoped_model` by the URL's `pk` through `visible_to`: another office's object and a
    missing one both answer 404. The leak matrix reads `scoped_model` to know what to plant."""

    scoped_model = None
    select_related: tuple = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        qs = self.scoped_model.objects.visible_to(request.user, self.action)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        self.object = qs.filter(pk=kwargs["pk"]).first()
        if self.object is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


def apply_domain_error(form, exc: DomainError):
    """Show a service's refusal on the form, beside the field it concerns when there is one."""
    field = exc.field if exc.field in form.fields else None
    messages = exc.message if isinstance(exc.message, list) else [exc.message]
    form.add_error(field, [str(m) for m in messages])


class HomeView(LoginRequiredMixin, View):
    def get(self, request):
        from fengqiao.orgs.selectors import org_subtree_counts

        user = request.user
        from .context_processors import platform
        from .navigation import summaries_for

        scope = [{"node": n, "counts": org_subtree_counts(n)} for n in user.scope_nodes()]
        # The navigation already lists the user's modules; the home page adds their figures.
        modules = summaries_for(user, [dict(item) for item in platform(request)["nav_modules"]])
        return render(request, "core/home.html", {"scope": scope, "modules": modules})


def parse_date(value):
    """A filter date, or None when it is missing, malformed or outside any plausible record."""
    try:
        day = datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is not None and 1900 <= day.year <= 2200 else None


class AuditListView(ModuleMixin, View):
    module = Module.AUDIT

    def get(self, request):
        from . import selectors

        filters = {
            "user": request.GET.get("user", "").strip(),
            "org": request.GET.get("org", "").strip(),
            "object_type": request.GET.get("object_type", "").strip(),
            "kind": request.GET.get("kind", "").strip(),
            "date_from": parse_date(request.GET.get("date_from")),
            "date_to": parse_date(request.GET.get("date_to")),
        }
        bad_date = any(request.GET.get(k) and filters[k] is None for k in ("date_from", "date_to"))
        page = selectors.audit_search(request.user, cursor=request.GET.get("cursor"), **filters)
        context = {
            "page": page,
            "filters": filters,
            "bad_date": bad_date,
            "object_types": selectors.audit_object_types(),
            "kinds": selectors.AuditKind.choices,
        }
        template = "core/_audit_rows.html" if request.htmx and request.GET.get("cursor") else "core/audit.html"
        return render(request, template, context)


class AuditDetailView(ScopedObjectMixin, View):
    module = Module.AUDIT

    scoped_model = AuditEvent

    def get(self, request, pk):
        return render(request, "core/audit_detail.html", {"event": self.object})


NEW_KEY = "fengqiao_new_api_key"


class TokenListView(ModuleMixin, View):
    module = Module.API_TOKENS

    def get(self, request):
        from .forms import ApiTokenForm

        return self._page(request, ApiTokenForm(user=request.user), new_key=request.session.pop(NEW_KEY, None))

    def _page(self, request, form, new_key=None, status=200):
        tokens = ApiToken.objects.visible_to(request.user).select_related("org", "created_by")[:500]
        response = render(
            request, "core/tokens.html", {"tokens": tokens, "form": form, "new_key": new_key}, status=status
        )
        add_never_cache_headers(response)  # the one showing of a new key must not be cached
        return response

    def post(self, request):
        from . import services
        from .forms import ApiTokenForm

        if not request.user.has_action(Module.API_TOKENS, Action.CREATE):
            raise PermissionDenied
        form = ApiTokenForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                token, raw = services.api_token_create(
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    org=form.cleaned_data["org"],
                    grants=form.cleaned_data["grants"],
                    expires_at=form.cleaned_data.get("expires_at"),
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                # Post/redirect/get: a reload must not create a second token. The key is kept in the
                # session only until the next page shows it once.
                request.session[NEW_KEY] = raw
                messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
                return redirect("core:tokens")
        return self._page(request, form, status=400)


class TokenRevokeView(ScopedObjectMixin, View):
    module = Module.API_TOKENS
    action = Action.CHANGE

    scoped_model = ApiToken

    def get(self, request, pk):
        return redirect("core:tokens")

    def post(self, request, pk):
        from . import services

        try:
            services.api_token_revoke(actor=request.user, token=self.object)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Token “%(name)s” revoked.") % {"name": self.object.name})
        return redirect(reverse("core:tokens"))
