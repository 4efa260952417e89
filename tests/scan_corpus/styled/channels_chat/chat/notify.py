# -*- coding: latin-1 -*-
"""Benachrichtigungen für Räume."""
from .models import Room


async def notify_members(room_id):
    room = await Room.objects.aget(pk=room_id)  # expect: queryset.aget
    names = [user.username async for user in room.members.all()]  # expect: queryset.async-for
    return "Grüße an " + ", ".join(names)
