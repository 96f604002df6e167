from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("campaigns/new/", views.CampaignCreateView.as_view(), name="campaign_create"),
    path("campaigns/<id:pk>/", views.CampaignView.as_view(), name="campaign"),
    path("campaigns/<id:pk>/export/", views.CampaignExportView.as_view(), name="campaign_export"),
    path("campaigns/<id:pk>/trend/", views.CampaignTrendView.as_view(), name="campaign_trend"),
    *[
        path(f"campaigns/<id:pk>/{step}/", views.CampaignStepView.as_view(step=step), name=f"campaign_{step}")
        for step in ("start", "close")
    ],
    path("assessments/<id:pk>/", views.AssessmentView.as_view(), name="assessment"),
    path("assessments/<id:pk>/export/", views.AssessmentExportView.as_view(), name="assessment_export"),
    *[
        path(f"assessments/<id:pk>/{step}/", views.AssessmentStepView.as_view(step=step), name=f"assessment_{step}")
        for step in views.STEP_DONE
    ],
    path("results/<id:pk>/records/", views.RecordsView.as_view(), name="records"),
    path("rectifications/", views.TaskListView.as_view(), name="tasks"),
    path("rectifications/<id:pk>/", views.TaskView.as_view(), name="task"),
    *[
        path(f"rectifications/<id:pk>/{step}/", views.TaskStepView.as_view(step=step), name=f"task_{step}")
        for step in ("assign", "note", "evidence", "submit", "verify")
    ],
    path("experiences/", views.ExperienceListView.as_view(), name="experiences"),
    path("experiences/new/", views.ExperienceCreateView.as_view(), name="experience_create"),
    path("experiences/<id:pk>/", views.ExperienceView.as_view(), name="experience"),
    *[
        path(f"experiences/<id:pk>/{step}/", views.ExperienceStepView.as_view(step=step), name=f"experience_{step}")
        for step in ("review", "evidence", "resubmit")
    ],
    path("standards/", views.StandardListView.as_view(), name="standards"),
    path("standards/<id:pk>/", views.StandardView.as_view(), name="standard"),
    path("files/<id:pk>/", views.EvidenceDownloadView.as_view(), name="evidence"),
]
