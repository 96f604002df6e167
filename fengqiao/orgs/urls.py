from django.urls import path

from . import views

app_name = "orgs"
urlpatterns = [
    path("", views.TreeView.as_view(), name="tree"),
    path("<int:pk>/", views.NodeDetailView.as_view(), name="detail"),
    path("<int:pk>/children/", views.ChildrenView.as_view(), name="children"),
    path("<int:pk>/add/", views.NodeCreateView.as_view(), name="create"),
    path("<int:pk>/edit/", views.NodeEditView.as_view(), name="edit"),
    path("<int:pk>/move/", views.NodeMoveView.as_view(), name="move"),
    path("<int:pk>/deactivate/", views.NodeStateView.as_view(operation="deactivate"), name="deactivate"),
    path("<int:pk>/reactivate/", views.NodeStateView.as_view(operation="reactivate"), name="reactivate"),
    path("<int:pk>/delete/", views.NodeStateView.as_view(operation="delete"), name="delete"),
]
