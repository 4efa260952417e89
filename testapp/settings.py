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

# The production checks serve testapp over a real ASGI server on loopback.
ROOT_URLCONF = "testapp.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
MIDDLEWARE = ["testapp.middleware.ExceptionInResponse"]

# The database cache is one of the async cache APIs the surface checks; sessions stored in a
# cache use it too, so their state lives in the test's transaction and is rolled back with it.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "conformance_cache",
    },
}
SESSION_CACHE_ALIAS = "database"
