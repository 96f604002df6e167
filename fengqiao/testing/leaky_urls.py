"""A URLconf with deliberately unscoped routes, used only to prove that the leak matrix catches them."""

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views import View
from ninja import NinjaAPI

from fengqiao.accounts.models import User
from fengqiao.core.api import BrowserSessionAuth, TokenAuth
from fengqiao.urls import urlpatterns as real_patterns


class LeakyDetailView(View):
    """Forgets visible_to: looks the user up by id alone."""

    scoped_model = User

    def get(self, request, pk):
        user = User.objects.get(pk=pk)  # the bug the matrix must catch
        return HttpResponse(user.full_name)

    post = get


class LeakyListView(View):
    def get(self, request):
        return HttpResponse(", ".join(User.objects.values_list("full_name", flat=True)))


def undeclared_view(request, pk):
    """Takes an id but does not say which model: the matrix cannot check it, so it must refuse it."""
    return HttpResponse("ok")


leaky_api = NinjaAPI(urls_namespace="leaky_api", auth=[TokenAuth(), BrowserSessionAuth()])


@leaky_api.get("/people/{pk}", openapi_extra={"x-scoped-model": "accounts.User"})
def leaky_person(request, pk: int):
    return JsonResponse({"name": User.objects.get(pk=pk).full_name})


@leaky_api.get("/people")
def leaky_people(request):
    return list(User.objects.values_list("full_name", flat=True))


urlpatterns = [
    *real_patterns,
    path("leaky/users/<id:pk>/", LeakyDetailView.as_view(), name="leaky_detail"),
    path("leaky/users/", LeakyListView.as_view(), name="leaky_list"),
    path("leaky/undeclared/<id:pk>/", undeclared_view, name="leaky_undeclared"),
    path("leaky-api/", leaky_api.urls),
]
