from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.TreeView.as_view(), name="tree"),
    path("<id:pk>/", views.NodeDetailView.as_view(), name="detail"),
    path("<id:pk>/children/", views.ChildrenView.as_view(), name="children"),
    path("<id:pk>/add/", views.NodeCreateView.as_view(), name="create"),
    path("<id:pk>/edit/", views.NodeEditView.as_view(), name="edit"),
    path("<id:pk>/move/", views.NodeMoveView.as_view(), name="move"),
    path("<id:pk>/deactivate/", views.NodeStateView.as_view(operation="deactivate"), name="deactivate"),
    path("<id:pk>/reactivate/", views.NodeStateView.as_view(operation="reactivate"), name="reactivate"),
    path("<id:pk>/delete/", views.NodeStateView.as_view(operation="delete"), name="delete"),
]
