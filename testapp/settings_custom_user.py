"""testapp with a project's own user model: logs in by email, with its own manager and its
password and permission methods overridden (``testapp.customuser``). Each cell runs the auth,
session, middleware and test-client checks a second time under these settings."""

from testapp.settings import *  # noqa: F403
from testapp.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "testapp.customuser"]
AUTH_USER_MODEL = "customuser.EmailUser"
