from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from django.views.i18n import set_language

from fengqiao.accounts import views as account_views
from fengqiao.api import api
from fengqiao.core import views as core_views
from fengqiao.core.converters import ObjectIdConverter

register_converter(ObjectIdConverter, "id")

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account_views.OwnPasswordView.as_view(), name="password_change"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("orgs/", include("fengqiao.orgs.urls")),
    path("users/", include("fengqiao.accounts.urls")),
    path("platform/", include("fengqiao.core.urls")),
    path("mediation/", include("fengqiao.mediation.urls")),
    path("corrections/", include("fengqiao.corrections.urls")),
    path("resettlement/", include("fengqiao.resettlement.urls")),
    path("legal-services/", include("fengqiao.legalservices.urls")),
    path("service-network/", include("fengqiao.legalnet.urls")),
    path("supervision/", include("fengqiao.supervision.urls")),
    path("education/", include("fengqiao.education.urls")),
    path("party/", include("fengqiao.party.urls")),
    path("standards/", include("fengqiao.assessment.urls")),
    path("partners/", include("fengqiao.partners.urls")),
    path("api/v1/", api.urls),
]

handler403 = "fengqiao.core.errors_views.forbidden"
handler404 = "fengqiao.core.errors_views.not_found"
