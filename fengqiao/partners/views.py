"""Partner webhook pages for city administrators: each token's URL and signing secret (shown once),
and the recent deliveries with a "send again" button."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import View

from fengqiao.core.errors import DomainError
from fengqiao.core.models import ApiToken
from fengqiao.core.permissions import Action, Module
from fengqiao.core.views import ModuleMixin, ScopedObjectMixin, apply_domain_error

from . import selectors, services, webhooks
from .forms import WebhookForm
from .models import DeliveryStatus, WebhookDelivery

NEW_SECRET = "fengqiao_new_webhook_secret"  # noqa: S105 - a session key, not a secret


def _can_change(user, token) -> bool:
    return ApiToken.objects.visible_to(user, Action.CHANGE).filter(pk=token.pk).exists()


class WebhookListView(ModuleMixin, View):
    module = Module.API_TOKENS

    def get(self, request):
        status = request.GET.get("status", "")
        return render(
            request,
            "partners/list.html",
            {
                "tokens": selectors.tokens_with_webhooks(request.user),
                "deliveries": selectors.recent_deliveries(request.user, status=status),
                "status": status if status in DeliveryStatus.values else "",
                "statuses": DeliveryStatus.choices,
                "max_attempts": webhooks.MAX_ATTEMPTS,
            },
        )


class TokenWebhookView(ScopedObjectMixin, View):
    """One partner token: its webhook URL, on/off, the secret's hint and its deliveries."""

    module = Module.API_TOKENS
    scoped_model = ApiToken
    select_related = ("org",)

    def get(self, request, pk, form=None, status=200):
        endpoint = selectors.endpoint_for(request.user, self.object)
        if form is None:
            initial = {"url": endpoint.url, "is_active": endpoint.is_active} if endpoint else {"is_active": True}
            form = WebhookForm(initial=initial)
        secret = request.session.pop(f"{NEW_SECRET}_{self.object.pk}", None) if status == 200 else None
        response = render(
            request,
            "partners/token.html",
            {
                "token": self.object,
                "endpoint": endpoint,
                "form": form,
                "new_secret": secret,
                "can_change": _can_change(request.user, self.object),
                "deliveries": selectors.recent_deliveries(request.user, token=self.object),
                "max_attempts": webhooks.MAX_ATTEMPTS,
            },
            status=status,
        )
        add_never_cache_headers(response)  # the one showing of a secret must not be cached
        return response

    def post(self, request, pk):
        if not _can_change(request.user, self.object):
            raise PermissionDenied
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                _endpoint, secret = services.webhook_endpoint_save(
                    actor=request.user,
                    token=self.object,
                    url=form.cleaned_data["url"],
                    is_active=form.cleaned_data["is_active"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                if secret:
                    # Post/redirect/get, the secret kept in the session only until the page shows it.
                    request.session[f"{NEW_SECRET}_{self.object.pk}"] = secret
                messages.success(request, _("Webhook of “%(name)s” saved.") % {"name": self.object.name})
                return redirect("partners:token", pk=self.object.pk)
        return self.get(request, pk, form=form, status=400)


class SecretRotateView(ScopedObjectMixin, View):
    """Replace a token's signing secret; the new one is shown once."""

    module = Module.API_TOKENS
    action = Action.CHANGE
    scoped_model = ApiToken
    http_method_names = ["get", "post"]

    def get(self, request, pk):
        return redirect("partners:token", pk=pk)

    def post(self, request, pk):
        endpoint = selectors.endpoint_for(request.user, self.object, Action.CHANGE)
        if endpoint is None:
            messages.error(request, _("Set the webhook URL first; its secret is made with it."))
            return redirect("partners:token", pk=pk)
        try:
            _endpoint, secret = services.webhook_secret_rotate(actor=request.user, endpoint=endpoint)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            request.session[f"{NEW_SECRET}_{self.object.pk}"] = secret
            messages.success(request, _("New signing secret made; the old one no longer works."))
        return redirect("partners:token", pk=pk)


class DeliveryResendView(ScopedObjectMixin, View):
    module = Module.API_TOKENS
    action = Action.CHANGE
    scoped_model = WebhookDelivery
    select_related = ("endpoint",)

    def get(self, request, pk):
        return redirect("partners:list")

    def post(self, request, pk):
        try:
            services.webhook_delivery_resend(actor=request.user, delivery=self.object)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Delivery #%(id)s queued to be sent again.") % {"id": self.object.pk})
        back = request.POST.get("next", "")
        if back == "token":
            return redirect("partners:token", pk=self.object.endpoint.token_id)
        return redirect("partners:list")
