from django.urls import path

from . import views

app_name = "resettlement"
urlpatterns = [
    path("", views.PersonListView.as_view(), name="list"),
    path("new/", views.PersonCreateView.as_view(), name="create"),
    path("export/", views.PersonExportView.as_view(), name="export"),
    path("staffing/", views.StaffingView.as_view(), name="staffing"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    path("<id:pk>/", views.PersonDetailView.as_view(), name="detail"),
    path("<id:pk>/edit/", views.PersonEditView.as_view(), name="edit"),
    path("<id:pk>/id-number/", views.PersonRevealView.as_view(), name="reveal_id"),
    *[
        path(f"<id:pk>/{step}/", views.PersonStepView.as_view(step=step), name=f"step_{step}")
        for step in views.STEP_FORMS
    ],
]
