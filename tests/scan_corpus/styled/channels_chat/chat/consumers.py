import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.dispatch import Signal

from .models import Message, Room

message_posted = Signal()


class ChatConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.room_name = self.scope["url_route"]["kwargs"]["room"]
        self.room = await Room.objects.aget(name=self.room_name)  # expect: queryset.aget
        await self.channel_layer.group_add(self.room_name, self.channel_name)
        await self.accept()
        history = Message.objects.filter(room=self.room).order_by("-created")[:50]
        async for message in history:  # expect: queryset.async-for
            await self.send(text_data=json.dumps({"body": message.body}))

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.room_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        payload = json.loads(text_data)
        user = self.scope["user"]
        message = await Message.objects.acreate(  # expect: queryset.acreate
            room=self.room, author=user, body=payload["body"]
        )
        await message_posted.asend(sender=Message, message=message)  # expect: dispatch.signal.asend
        await self.channel_layer.group_send(self.room_name, {"type": "chat.message", "id": message.pk})

    async def toggle(self, field_name, user):
        manager = getattr(self.room, field_name)
        await manager.aadd(user)  # expect: related.m2m.aadd

    async def stats(self):
        messages = Message.objects.filter(room__name=self.room_name)
        total = messages.count()  # expect: queryset.acount
        authors = len(messages)  # expect: queryset.async-for
        for message in messages:  # expect: queryset.async-for
            print(message.body)
        await self.send(text_data=json.dumps({"total": total, "authors": authors}))

    @database_sync_to_async
    def recent(self):
        return list(Message.objects.filter(room=self.room)[:10])
