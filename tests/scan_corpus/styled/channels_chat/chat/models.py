from django.contrib.auth.models import User
from django.db import models


class Room(models.Model):
    name = models.SlugField(unique=True)
    members = models.ManyToManyField(User, related_name="rooms")
    muted = models.ManyToManyField(User, related_name="muted_in")


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(User, on_delete=models.CASCADE)
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
