from django.urls import path

from . import views
from .views import STEP_FORMS

app_name = "mediation"
urlpatterns = [
    path("", views.DisputeListView.as_view(), name="list"),
    path("new/", views.DisputeCreateView.as_view(), name="create"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("stats/export/", views.StatsExportView.as_view(), name="stats_export"),
    path("committees/", views.CommitteeListView.as_view(), name="committees"),
    path("<id:pk>/", views.DisputeDetailView.as_view(), name="detail"),
    *[
        path(f"<id:pk>/{step}/", views.DisputeStepView.as_view(step=str(step)), name=f"step_{step}")
        for step in STEP_FORMS
    ],
]
