from django.apps import AppConfig


class CustomUserConfig(AppConfig):
    name = "testapp.customuser"
    label = "customuser"
    default_auto_field = "django.db.models.BigAutoField"
