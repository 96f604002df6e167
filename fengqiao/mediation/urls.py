from django.urls import path

from . import views
from .views import STEP_FORMS
from .views_documents import urlpatterns as document_urls

app_name = "mediation"
urlpatterns = [
    path("", views.DisputeListView.as_view(), name="list"),
    path("new/", views.DisputeCreateView.as_view(), name="create"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("stats/export/", views.StatsExportView.as_view(), name="stats_export"),
    path("committees/", views.CommitteeListView.as_view(), name="committees"),
    path("committees/new/", views.CommitteeCreateView.as_view(), name="committee_new"),
    path("committees/<id:pk>/edit/", views.CommitteeEditView.as_view(), name="committee_edit"),
    path("mediators/", views.MediatorListView.as_view(), name="mediators"),
    path("mediators/new/", views.MediatorCreateView.as_view(), name="mediator_new"),
    path("mediators/<id:pk>/", views.MediatorDetailView.as_view(), name="mediator"),
    path("mediators/<id:pk>/edit/", views.MediatorEditView.as_view(), name="mediator_edit"),
    path("mediators/<id:pk>/trainings/", views.TrainingAddView.as_view(), name="training_add"),
    path("designations/", views.DesignationListView.as_view(), name="designations"),
    path("designations/new/", views.DesignationCreateView.as_view(), name="designation_new"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("export/", views.DisputeExportView.as_view(), name="export"),
    path("counts/", views.DisputeCountsView.as_view(), name="counts"),
    path("warnings/", views.WarningListView.as_view(), name="warnings"),
    path("warnings/<id:pk>/acknowledge/", views.FlagActionView.as_view(verb="acknowledge"), name="flag_acknowledge"),
    path("warnings/<id:pk>/handle/", views.FlagActionView.as_view(verb="handle"), name="flag_handle"),
    path("screening/", views.ScreeningListView.as_view(), name="screening"),
    path("screening/new/", views.ScreeningCreateView.as_view(), name="screening_new"),
    path("incidents/", views.IncidentListView.as_view(), name="incidents"),
    path("incidents/new/", views.IncidentCreateView.as_view(), name="incident_new"),
    path("periods/", views.PeriodListView.as_view(), name="periods"),
    path("periods/<id:pk>/delete/", views.PeriodDeleteView.as_view(), name="period_delete"),
    path("<id:pk>/", views.DisputeDetailView.as_view(), name="detail"),
    *[
        path(f"<id:pk>/{step}/", views.DisputeStepView.as_view(step=str(step)), name=f"step_{step}")
        for step in STEP_FORMS
    ],
    *document_urls,
]
