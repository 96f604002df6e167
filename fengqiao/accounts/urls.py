from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.UserListView.as_view(), name="list"),
    path("new/", views.UserCreateView.as_view(), name="create"),
    path("export/", views.UserExportView.as_view(), name="export"),
    path("village-fields/", views.VillageFieldsView.as_view(), name="village_fields"),
    path("<id:pk>/", views.UserDetailView.as_view(), name="detail"),
    path("<id:pk>/edit/", views.UserEditView.as_view(), name="edit"),
    path("<id:pk>/id-number/", views.UserRevealView.as_view(), name="reveal_id"),
    path("<id:pk>/deactivate/", views.UserActiveView.as_view(active=False), name="deactivate"),
    path("<id:pk>/reactivate/", views.UserActiveView.as_view(active=True), name="reactivate"),
    path("<id:pk>/reset-password/", views.UserResetPasswordView.as_view(), name="reset_password"),
]
