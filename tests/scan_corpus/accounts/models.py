from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    pass


class Team(models.Model):
    name = models.CharField(max_length=100)
    members = models.ManyToManyField("accounts.User", related_name="teams")


class Profile(models.Model):
    user = models.OneToOneField("accounts.User", models.CASCADE, related_name="profile")
    team = models.ForeignKey(Team, models.SET_NULL, null=True)
