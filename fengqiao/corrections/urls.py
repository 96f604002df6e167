from django.urls import path

from fengqiao.core.permissions import Action

from . import views

app_name = "corrections"
urlpatterns = [
    path("", views.TodayView.as_view(), name="today"),
    path("subjects/", views.SubjectListView.as_view(), name="list"),
    path("subjects/new/", views.SubjectCreateView.as_view(), name="create"),
    path("subjects/export/", views.SubjectExportView.as_view(), name="export"),
    path("subjects/<id:pk>/", views.SubjectDetailView.as_view(), name="subject"),
    path("subjects/<id:pk>/edit/", views.SubjectEditView.as_view(), name="edit"),
    path("subjects/<id:pk>/id-number/", views.SubjectRevealView.as_view(), name="reveal_id"),
    path("subjects/<id:pk>/track/", views.TrackView.as_view(), name="track"),
    path("subjects/<id:pk>/co-offender-search/", views.CoOffenderSearchView.as_view(), name="cooffender_search"),
    *[
        path(
            f"subjects/<id:pk>/{name}/",
            views.SubjectStepView.as_view(step=name, action=step.action),
            name=f"step_{name}",
        )
        for name, step in views.SUBJECT_STEPS.items()
    ],
    path("leaves/<id:pk>/decide/", views.LeaveStepView.as_view(step="decide"), name="leave_decide"),
    path("leaves/<id:pk>/return/", views.LeaveStepView.as_view(step="return"), name="leave_return"),
    path("leaves/<id:pk>/cancel/", views.LeaveStepView.as_view(step="cancel"), name="leave_cancel"),
    path("team/<id:pk>/remove/", views.TeamMemberRemoveView.as_view(step="remove"), name="team_remove"),
    path(
        "measures/<id:pk>/decide/",
        # Read with `view`: the service decides who may approve (the county bureau head, never the
        # requester) and refuses everyone else with its reason.
        views.MeasureStepView.as_view(step="decide", action=Action.VIEW),
        name="measure_decide",
    ),
    path(
        "measures/<id:pk>/extend/",
        views.MeasureStepView.as_view(step="extend", action=Action.CREATE),
        name="measure_extend",
    ),
    path("measures/<id:pk>/end/", views.MeasureStepView.as_view(step="end"), name="measure_end"),
    path("measures/<id:pk>/bind/", views.MeasureStepView.as_view(step="bind"), name="measure_bind"),
    path("alerts/", views.AlertListView.as_view(), name="alerts"),
    path("alerts/<id:pk>/", views.AlertDetailView.as_view(), name="alert"),
    *[
        path(f"alerts/<id:pk>/{step}/", views.AlertStepView.as_view(step=step), name=f"alert_{step}")
        for step in views.ALERT_STEPS
    ],
    path("staffing/", views.StaffingView.as_view(), name="staffing"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    path("metrics/export/", views.MetricsExportView.as_view(), name="metrics_export"),
    path("policy/", views.PolicyView.as_view(), name="policy"),
    path("devices/", views.DeviceListView.as_view(), name="devices"),
    path("devices/<id:pk>/unbind/", views.DeviceUnbindView.as_view(step="unbind"), name="device_unbind"),
    path("fences/", views.FenceListView.as_view(), name="fences"),
    path("fences/<id:pk>/edit/", views.FenceEditView.as_view(), name="fence_edit"),
    path("fences/<id:pk>/lift/", views.FenceLiftView.as_view(), name="fence_lift"),
    path("devices/<id:pk>/retire/", views.DeviceUnbindView.as_view(step="retire"), name="device_retire"),
]
