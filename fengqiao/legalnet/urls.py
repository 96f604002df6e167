from django.urls import path

from . import views

app_name = "legalnet"
urlpatterns = [
    path("", views.PointListView.as_view(), name="index"),
    path("points/new/", views.PointCreateView.as_view(), name="point_create"),
    path("points/export/", views.PointExportView.as_view(), name="point_export"),
    path("points/<id:pk>/", views.PointDetailView.as_view(), name="point"),
    path("points/<id:pk>/edit/", views.PointEditView.as_view(), name="point_edit"),
    *[
        path(f"points/<id:pk>/{step}/", views.PointStepView.as_view(step=step), name=f"point_{step}")
        for step in views.STEP_FORMS
    ],
    path("staff/<id:pk>/remove/", views.StaffRemoveView.as_view(), name="staff_remove"),
    path("gaps/", views.GapsView.as_view(), name="gaps"),
    path("advisors/", views.AdvisorsView.as_view(), name="advisors"),
    path("advisors/assign/", views.AssignView.as_view(), name="assign"),
    path("advisors/unassign/", views.UnassignView.as_view(), name="unassign"),
    path("logs/", views.LogListView.as_view(), name="logs"),
    path("logs/new/", views.LogCreateView.as_view(), name="log_create"),
    path("logs/export/", views.LogExportView.as_view(), name="log_export"),
    path("logs/<id:pk>/", views.LogDetailView.as_view(), name="log"),
    path("logs/<id:pk>/edit/", views.LogEditView.as_view(), name="log_edit"),
    path("workload/", views.WorkloadView.as_view(), name="workload"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
]
