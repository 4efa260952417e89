"""Async views that use the ORM the way an application does, served over a real ASGI server.

Each view comes in the form an app writes first (``direct``) and, where that form cannot work,
the documented workaround (``wrapped``); the production checks call both over HTTP and decide
from the exchanges. The in-flight views run a query that sleeps in the database, so that how
many run at once can be seen from the server's side (PostgreSQL) or from the threads that ran
them (SQLite).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.db.models import CharField, Func, Value
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse

from testapp.models import Article, AuditLog, Author, Comment, Tag

# --- the application views -----------------------------------------------------------------


async def article_list(request: HttpRequest) -> JsonResponse:
    """``async for`` over ``select_related``: the author is fetched by the same query."""
    rows = [
        {"title": article.title, "author": article.author.name if article.author else None}
        async for article in Article.objects.select_related("author").order_by("pk")
    ]
    return JsonResponse({"articles": rows})


def _detail(article: Article, author: Author | None) -> JsonResponse:
    return JsonResponse({"title": article.title, "author": author.name if author else None})


async def article_detail(request: HttpRequest, pk: int) -> JsonResponse:
    """Lazy forward foreign-key access, as sync code writes it: a query from the event loop."""
    article = await Article.objects.aget(pk=pk)
    return _detail(article, article.author)


async def article_detail_wrapped(request: HttpRequest, pk: int) -> JsonResponse:
    """The workaround: the lazy access runs in ``sync_to_async``."""
    article = await Article.objects.aget(pk=pk)
    return _detail(article, await sync_to_async(lambda: article.author)())


async def _tag_names(article: Article) -> list[str]:
    return [tag.name async for tag in article.tags.order_by("name")]


async def article_create(request: HttpRequest) -> JsonResponse:
    """``acreate`` and the M2M ``aadd`` of Django 4.2+."""
    payload = json.loads(request.body)
    article = await Article.objects.acreate(title=payload["title"], slug=payload["slug"])
    await article.tags.aadd(await Tag.objects.aget(name=payload["tag"]))
    return JsonResponse({"title": article.title, "tags": await _tag_names(article)}, status=201)


async def article_create_wrapped(request: HttpRequest) -> JsonResponse:
    """The same create with the M2M ``add`` in ``sync_to_async`` (before ``aadd`` existed)."""
    payload = json.loads(request.body)
    article = await Article.objects.acreate(title=payload["title"], slug=payload["slug"])
    await sync_to_async(article.tags.add)(await Tag.objects.aget(name=payload["tag"]))
    return JsonResponse({"title": article.title, "tags": await _tag_names(article)}, status=201)


class Refused(Exception):
    """Raised inside the atomic block when the request asks for a failure: it must roll back."""


def _publish(pk: int, fail: bool) -> None:
    with transaction.atomic():
        Article.objects.filter(pk=pk).update(status="published")
        AuditLog.objects.create(action="publish", count=1)
        if fail:
            raise Refused(f"publishing {pk} refused after the writes")


async def article_publish(request: HttpRequest, pk: int) -> JsonResponse:
    """Two writes in ``transaction.atomic`` through ``sync_to_async``, as the docs advise; with
    ``?fail=1`` the block raises after both writes and the response says what persisted."""
    failed = None
    try:
        await sync_to_async(_publish)(pk, request.GET.get("fail") == "1")
    except Refused as exc:
        failed = str(exc)
    article = await Article.objects.aget(pk=pk)
    logs = await AuditLog.objects.filter(action="publish").acount()
    return JsonResponse({"status": article.status, "audit_logs": logs, "refused": failed})


async def _titles() -> AsyncIterator[str]:
    async for article in Article.objects.order_by("pk").aiterator(chunk_size=2):
        yield f"{article.title}\n"


def _titles_sync() -> Iterator[str]:
    for article in Article.objects.order_by("pk").iterator(chunk_size=2):
        yield f"{article.title}\n"


async def article_stream(request: HttpRequest) -> StreamingHttpResponse:
    """``StreamingHttpResponse`` over an async generator fed by ``aiterator()``."""
    return StreamingHttpResponse(_titles(), content_type="text/plain")


async def article_stream_wrapped(request: HttpRequest) -> StreamingHttpResponse:
    """The fallback: a sync generator over ``iterator()``, which Django consumes in a thread."""
    return StreamingHttpResponse(_titles_sync(), content_type="text/plain")


async def dashboard(request: HttpRequest) -> JsonResponse:
    """Several independent queries gathered, as the reference's dashboard example does."""
    articles, authors, tags, approved = await asyncio.gather(
        Article.objects.acount(),
        Author.objects.acount(),
        Tag.objects.acount(),
        Comment.objects.filter(approved=True).acount(),
    )
    return JsonResponse(
        {"articles": articles, "authors": authors, "tags": tags, "approved_comments": approved}
    )


async def one_query(request: HttpRequest) -> JsonResponse:
    """One query, for the connection counts: each request opens (or reuses) a connection."""
    return JsonResponse({"tags": await Tag.objects.acount()})


def one_query_sync(request: HttpRequest) -> JsonResponse:
    """``one_query``'s sync twin, served over WSGI: the connection counts Django's sync path
    gives under the same settings, beside the async view's."""
    return JsonResponse({"tags": Tag.objects.count()})


# --- queries that sleep in the database, for the in-flight measures --------------------------

SQLITE_SLEEP = "conformance_sleep"
# (thread id, start, end) of every SQLite sleep, read by the in-flight checks.
SQLITE_SLEEPS: list[tuple[int, float, float]] = []
_sleeps_lock = threading.Lock()


def _sqlite_sleep(seconds: float) -> int:
    start = time.monotonic()
    time.sleep(seconds)
    with _sleeps_lock:
        SQLITE_SLEEPS.append((threading.get_ident(), start, time.monotonic()))
    return 1


def _register_sqlite_sleep(sender, connection, **kwargs) -> None:
    """SQLite has no sleep function: each new connection gets one that notes when it ran."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_SLEEP, 1, _sqlite_sleep)


connection_created.connect(_register_sqlite_sleep, dispatch_uid="conformance-sqlite-sleep")


def _sleeping(seconds: float):
    """A QuerySet whose first row is computed by a sleep inside the database. Content types
    are there in every test database (migrations create them, a flush recreates them), so no
    check has to commit a row for the server's connections to read."""
    function = {"postgresql": "pg_sleep", "mysql": "SLEEP"}.get(connection.vendor, SQLITE_SLEEP)
    sleep = Func(Value(seconds), function=function, output_field=CharField())
    return ContentType.objects.order_by("pk").annotate(slept=sleep).values_list("pk", "slept")


def _seconds(request: HttpRequest) -> float:
    return float(request.GET.get("seconds", "0.05"))


def _count(request: HttpRequest) -> int:
    return int(request.GET.get("n", "1"))


async def sleep_once(request: HttpRequest) -> JsonResponse:
    """One sleeping query: N of these as concurrent requests."""
    await _sleeping(_seconds(request)).afirst()
    return JsonResponse({"queries": 1})


async def sleep_gathered(request: HttpRequest) -> JsonResponse:
    """N sleeping async ORM calls gathered in one request."""
    seconds = _seconds(request)
    await asyncio.gather(*(_sleeping(seconds).afirst() for _ in range(_count(request))))
    return JsonResponse({"queries": _count(request)})


def _sleep_in_thread(seconds: float) -> None:
    """One sleeping query on this worker thread's own connection, closed afterwards (or given
    back to the pool) as the end of a request would close it."""
    try:
        _sleeping(seconds).first()
    finally:
        connection.close()


async def sleep_threads(request: HttpRequest) -> JsonResponse:
    """N sleeping queries, each in ``sync_to_async(thread_sensitive=False)``, gathered."""
    seconds = _seconds(request)
    work = sync_to_async(_sleep_in_thread, thread_sensitive=False)
    await asyncio.gather(*(work(seconds) for _ in range(_count(request))))
    return JsonResponse({"queries": _count(request)})
