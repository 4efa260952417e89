"""User code plugged into Django at the points its docs name, each recording that it ran.

Authentication backends (a plain class, as the docs allow, and a ``ModelBackend`` subclass
that customises the sync methods only) and a session engine that customises the model
instance it saves, as the sessions docs show. Model overrides, the custom manager and
QuerySet live on ``testapp.models.CountingSave``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore

from testapp import hooks, users


class PlainBackend:
    """A backend that is not a ``BaseBackend`` subclass: Django calls its methods by name."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None):
        hooks.note("override", "PlainBackend.authenticate", username)
        model = users.model()
        if password == "wonderland":
            return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        return None

    def get_user(self, user_id: Any):
        hooks.note("override", "PlainBackend.get_user")
        return users.model()._default_manager.filter(pk=user_id).first()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        hooks.note("override", "PlainBackend.has_perm", perm)
        return perm == "testapp.view_article"


class SyncOnlyBackend(ModelBackend):
    """A ``ModelBackend`` whose sync methods are customised, as projects written before the
    async API do: usernames match case-insensitively, and one extra permission is granted."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any):  # fmt: skip
        hooks.note("override", "SyncOnlyBackend.authenticate", username)
        return super().authenticate(request, (username or "").lower(), password, **kwargs)

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        hooks.note("override", "SyncOnlyBackend.has_perm", perm)
        return perm == "testapp.view_article" or super().has_perm(user_obj, perm, obj)


class HookedSessionStore(SessionStore):
    """The sessions docs' way to store extra data: override ``create_model_instance``."""

    def create_model_instance(self, data: dict[str, Any]):
        hooks.note("override", "HookedSessionStore.create_model_instance", tuple(sorted(data)))
        return super().create_model_instance(data)
