"""The ASGI application the production checks serve: Django's own handler, nothing added."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testapp.settings")

application = get_asgi_application()
