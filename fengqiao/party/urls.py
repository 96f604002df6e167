from django.urls import path

from . import views

app_name = "party"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("branch/", views.BranchView.as_view(), name="branch"),
    path("members/", views.MemberListView.as_view(), name="members"),
    path("members/export/", views.MemberExportView.as_view(), name="members_export"),
    path("members/new/", views.MemberCreateView.as_view(), name="member_create"),
    path("members/<id:pk>/", views.MemberDetailView.as_view(), name="member"),
    *[
        path(f"members/<id:pk>/{step}/", views.MemberStepView.as_view(step=step), name=f"member_{step}")
        for step in views.MEMBER_STEPS
    ],
    path("activities/", views.ActivityListView.as_view(), name="activities"),
    path("activities/export/", views.ActivityExportView.as_view(), name="activities_export"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<id:pk>/", views.ActivityDetailView.as_view(), name="activity"),
    path("venues/new/", views.VenueCreateView.as_view(), name="venue_create"),
    path("venues/<id:pk>/", views.VenueDetailView.as_view(), name="venue"),
    path("venues/<id:pk>/check/", views.VenueCheckView.as_view(), name="venue_check"),
    path("violations/", views.ViolationListView.as_view(), name="violations"),
    path("violations/new/", views.ViolationCreateView.as_view(), name="violation_create"),
    path("violations/<id:pk>/", views.ViolationDetailView.as_view(), name="violation"),
    path("violations/<id:pk>/decide/", views.ViolationDecideView.as_view(), name="violation_decide"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
]
