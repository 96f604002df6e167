from django.urls import path

from . import views

app_name = "education"
urlpatterns = [
    path("", views.ActivityListView.as_view(), name="index"),
    path("new/", views.ActivityCreateView.as_view(), name="create"),
    path("export/", views.ActivityExportView.as_view(), name="export"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    path("<id:pk>/", views.ActivityDetailView.as_view(), name="detail"),
    path("<id:pk>/edit/", views.ActivityEditView.as_view(), name="edit"),
    path("<id:pk>/photo/", views.ActivityPhotoView.as_view(), name="photo"),
    path("stations/", views.StationListView.as_view(), name="stations"),
    path("stations/new/", views.StationCreateView.as_view(), name="station_create"),
    path("stations/<id:pk>/", views.StationDetailView.as_view(), name="station"),
    path("stations/<id:pk>/edit/", views.StationEditView.as_view(), name="station_edit"),
    path("stations/<id:pk>/staff/", views.StaffAddView.as_view(), name="staff_add"),
    path("staff/<id:pk>/end/", views.StaffEndView.as_view(), name="staff_end"),
    path("villages/", views.VillageListView.as_view(), name="villages"),
    path("villages/new/", views.VillageCreateView.as_view(), name="village_create"),
    path("villages/<id:pk>/", views.VillageDetailView.as_view(), name="village"),
    *[
        path(f"villages/<id:pk>/{name}/", views.VillageStepView.as_view(step=name), name=f"village_{name}")
        for name in views.STEP_URLS
    ],
]
