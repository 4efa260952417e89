"""The project's user model, whichever it is: Django's ``User`` or a custom one that logs in by
email (``settings_custom_user``). Checks name users by a short name ("alice"); these helpers
turn it into what the model logs in with, and write the code as the project would."""

from __future__ import annotations

from typing import Any

EMAIL_DOMAIN = "example.com"


def model() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()


def login(name: str) -> str:
    """What ``name`` logs in with: the name itself, or its address where users log in by
    email. Other spellings (``ALICE``) stay as written, and address the same way."""
    return f"{name}@{EMAIL_DOMAIN}" if model().USERNAME_FIELD == "email" else name


def create(name: str, password: str | None, **extra: Any) -> Any:
    """``create_user`` as the model's manager takes it."""
    field = model().USERNAME_FIELD
    if field != "email":
        extra.setdefault("email", f"{name}@{EMAIL_DOMAIN}")
    return model().objects.create_user(**{field: login(name)}, password=password, **extra)


def get(name: str) -> Any:
    return model()._default_manager.get(**{model().USERNAME_FIELD: login(name)})


def text(name: str) -> str:
    """``get(name)`` as the project writes it: ``User.objects.get(username='alice')``."""
    return f"{model().__name__}.objects.get({model().USERNAME_FIELD}={login(name)!r})"
