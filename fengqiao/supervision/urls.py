from django.urls import path

from . import codes, views

app_name = "supervision"
urlpatterns = [
    path("", views.ActivityListView.as_view(), name="index"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/export/", views.ActivityExportView.as_view(), name="activity_export"),
    path("activities/<id:pk>/", views.ActivityDetailView.as_view(), name="activity"),
    path("activities/<id:pk>/edit/", views.ActivityEditView.as_view(), name="activity_edit"),
    path("activities/<id:pk>/problems/", views.ActivityProblemView.as_view(), name="activity_problem"),
    path("problems/", views.ProblemListView.as_view(), name="problems"),
    path("problems/export/", views.ProblemExportView.as_view(), name="problem_export"),
    path("problems/<id:pk>/", views.ProblemDetailView.as_view(), name="problem"),
    *[
        path(f"problems/<id:pk>/{step}/", views.ProblemStepView.as_view(step=step), name=f"problem_{step}")
        for step in codes.TRANSITIONS
    ],
    path("disputes/", views.DisputeListView.as_view(), name="disputes"),
    path("disputes/new/", views.DisputeCreateView.as_view(), name="dispute_create"),
    path("disputes/export/", views.DisputeExportView.as_view(), name="dispute_export"),
    path("disputes/<id:pk>/", views.DisputeDetailView.as_view(), name="dispute"),
    path("disputes/<id:pk>/coordinate/", views.DisputeCoordinateView.as_view(), name="dispute_coordinate"),
    path("departments/", views.DepartmentListView.as_view(), name="departments"),
    path("departments/<id:pk>/toggle/", views.DepartmentToggleView.as_view(), name="department_toggle"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
]
