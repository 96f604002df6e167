from django.apps import AppConfig


class HdsiteConfig(AppConfig):
    name = "hdsite"
    default_auto_field = "django.db.models.BigAutoField"
