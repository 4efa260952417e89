"""The project's own helpers next to Django's: module aliases, shadowing names, QuerySet
parameters and lists of instances."""

import django
from asgiref.sync import sync_to_async
from django.contrib import auth
from django.core.exceptions import SynchronousOnlyOperation
from django.db import models
from django.db.models import QuerySet
from django.http import Http404

from .models import Article


async def aget_object_or_404(queryset: QuerySet, **lookup):
    # The project's own helper: calls to it are not Django's shortcut.
    try:
        return await queryset.aget(**lookup)  # expect: queryset.aget
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


async def first_draft(drafts: QuerySet[Article]):
    return await drafts.filter(status="draft").afirst()  # expect: queryset.afirst


async def article_page(request, pk):
    article = await aget_object_or_404(Article.objects.all(), pk=pk)
    request.user = await sync_to_async(auth.get_user)(request)  # expect: auth.aget_user
    auth.login(request, request.user)  # expect: auth.alogin
    await auth.alogout(request)  # expect: auth.alogout
    return article


async def touch_all(request):
    articles = await sync_to_async(list)(Article.objects.all())  # expect: queryset.async-for
    await sync_to_async(articles[0].save)()  # expect: model.asave
    names = [article.author.name for article in articles]  # expect: pattern.lazy-forward-fk
    with_authors = Article.objects.select_related("author")
    loaded = await sync_to_async(list)(with_authors)  # expect: queryset.async-for
    for article in loaded:
        names.append(article.author.name)
    for article in articles[1:]:
        article.delete()  # expect: model.adelete
    return names


async def tidy_remote(client):
    for comment in await client.fetch_comments():
        # Another library's coroutine on an object named like a model's instance.
        await comment.delete()


class ArticleQuerySet(models.QuerySet):
    async def acount_drafts(self):
        return await sync_to_async(self.filter(status="draft").count)()  # expect: queryset.acount


async def save_in_the_loop(article):
    # Called, not passed: the save runs here and sync_to_async receives its result.
    await sync_to_async(article.save())()  # expect: model.asave


class ArticleList:
    async def get_object(self, queryset, pk):
        return await queryset.aget(pk=pk)  # expect: queryset.aget

    async def rows(self):
        if await self.object_list.aexists():  # expect: queryset.aexists
            return [row async for row in self.object_list]  # expect: queryset.async-for
        # A list under a QuerySet's name iterates fine: not read as a QuerySet here.
        return [row for row in self.object_list]

    async def form_valid(self, form):
        # A library's async form, not a model instance.
        return await form.asave()


class RelationWriter:
    """Writes to-many fields by name, as a serializer does: the field is known at run time."""

    async def create(self, model_class, data, many):
        instance = await model_class._default_manager.acreate(**data)  # expect: queryset.acreate
        for field_name, value in many.items():
            field = getattr(instance, field_name)
            await field.aset(value)  # expect: related.m2m.aset
        return instance

    async def update(self, instance, many):
        for field_name, value in many.items():
            await getattr(instance, field_name).aset(value)  # expect: related.m2m.aset

    async def refresh(self, backend, name, key, value):
        # ``self``'s own attribute, and a cache's ``aset(key, value)``: not related managers.
        await getattr(self, name).aset(value)
        await getattr(backend, name).aset(key, value)


class Page:
    async def items(self):
        try:
            return len(self.object_list)
        except SynchronousOnlyOperation:
            # Wrapping ``list`` in a thread is for a QuerySet: evaluated there.
            return len(await sync_to_async(list)(self.object_list))  # expect: queryset.async-for

    async def as_list(self):
        if hasattr(self.object_list, "__aiter__"):
            return [item async for item in self.object_list]  # expect: queryset.async-for
        # Every QuerySet has ``__aiter__``: what lacks it is a list or a tuple.
        return await sync_to_async(list)(self.object_list)

    async def first(self):
        if not hasattr(self.object_list, "afirst"):
            return await sync_to_async(list)(self.object_list)
        return await self.object_list.afirst()  # expect: queryset.afirst


class SessionConsumer:
    """Feature tests: the branch for releases without the async API is the code's fallback."""

    async def save_session(self):
        if django.VERSION >= (5, 1):
            await self.scope["session"].asave()  # expect: sessions.db-store.asave
        else:
            await sync_to_async(self.scope["session"].save)()

    async def current_user(self, request):
        if not hasattr(request, "auser"):
            return await sync_to_async(auth.get_user)(request)
        return await request.auser()  # expect: auth.middleware.auser

    async def old_user(self, request):
        if django.VERSION < (5, 0):
            user = await sync_to_async(auth.get_user)(request)
        else:
            user = await auth.aget_user(request)  # expect: auth.aget_user
        # Past the test, a wrapped call with a native form is reported again.
        await sync_to_async(user.has_perm)("blog.view_article")  # expect: auth.user.ahas_perm
        return user


async def count_rows(rows: QuerySet):
    try:
        return await rows.all().acount()  # expect: queryset.acount
    except AttributeError:
        # It had no ``all()``: a list, which ``len`` counts without a query.
        return len(rows)


async def titles(rows: list | QuerySet):
    # The annotation allows a QuerySet: iterated synchronously, it would query here.
    return [row.title for row in rows]  # expect: queryset.async-for


async def names(rows: list | tuple):
    return [row.name for row in rows]
