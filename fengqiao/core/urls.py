from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("audit/", views.AuditListView.as_view(), name="audit"),
    path("audit/<id:pk>/", views.AuditDetailView.as_view(), name="audit_detail"),
    path("tokens/", views.TokenListView.as_view(), name="tokens"),
    path("tokens/<id:pk>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
]
