"""The user model a project writes when it logs in by email: its own manager, and its password
and permission methods overridden, each recording that it ran (``testapp.hooks``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models

from testapp import hooks


class EmailUserManager(BaseUserManager):
    """``create_user(email, password)``, as the custom-user docs write it."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> EmailUser:
        hooks.note("override", "EmailUserManager.create_user")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any):
        hooks.note("override", "EmailUserManager.create_superuser")
        return self.create_user(email, password, is_staff=True, is_superuser=True, **extra)


class EmailUser(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)

    objects = EmailUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def set_password(self, raw_password: str | None) -> None:
        hooks.note("override", "EmailUser.set_password")
        super().set_password(raw_password)

    def check_password(self, raw_password: str) -> bool:
        hooks.note("override", "EmailUser.check_password")
        return super().check_password(raw_password)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        hooks.note("override", "EmailUser.has_perm", perm)
        return super().has_perm(perm, obj)

    def get_all_permissions(self, obj: Any = None) -> set[str]:
        hooks.note("override", "EmailUser.get_all_permissions")
        return super().get_all_permissions(obj)
