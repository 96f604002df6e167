from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("", views.WebhookListView.as_view(), name="list"),
    path("tokens/<id:pk>/", views.TokenWebhookView.as_view(), name="token"),
    path("tokens/<id:pk>/rotate/", views.SecretRotateView.as_view(), name="rotate"),
    path("deliveries/<id:pk>/resend/", views.DeliveryResendView.as_view(), name="resend"),
]
