from django.urls import path

from . import views

app_name = "legalservices"
urlpatterns = [
    path("", views.ServiceListView.as_view(), name="index"),
    path("new/", views.ServiceCreateView.as_view(), name="create"),
    path("export/", views.ServiceExportView.as_view(), name="export"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    path("due-times/", views.DuePolicyView.as_view(), name="policy"),
    path("complaints/", views.ComplaintListView.as_view(), name="complaints"),
    path("complaints/new/", views.ComplaintCreateView.as_view(), name="complaint_create"),
    path("complaints/<id:pk>/", views.ComplaintDetailView.as_view(), name="complaint_detail"),
    path("complaints/<id:pk>/close/", views.ComplaintCloseView.as_view(), name="complaint_close"),
    path("<id:pk>/", views.ServiceDetailView.as_view(), name="detail"),
    *[
        path(f"<id:pk>/{step}/", views.ServiceStepView.as_view(step=step), name=f"step_{step}")
        for step in views.STEP_FORMS
    ],
]
