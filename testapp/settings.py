"""Settings for the conformance suite; the database comes from the environment."""

from conformance.runner.database import database_settings_from_env, extra_apps

SECRET_KEY = "conformance-kit-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "testapp",
    *extra_apps(),
]
DATABASES = {"default": database_settings_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
