from django.db import models
from django.test import TestCase


class Kind(models.Model):
    label = models.CharField(max_length=20)


class Holder(models.Model):
    types = models.ManyToManyField(Kind, related_name="holders")


class ApiTests(TestCase):
    async def test_login_then_list(self):
        await self.async_client.aforce_login(self.user)  # expect: test.client.aforce_login
        response = await self.async_client.get("/api/projects/1/tasks")
        self.assertEqual(response.status_code, 200)

    async def test_holder_types(self):
        holder = await Holder.objects.acreate()  # expect: queryset.acreate
        await holder.types.aadd(await Kind.objects.acreate(label="x"))  # expect: related.m2m.aadd, queryset.acreate
