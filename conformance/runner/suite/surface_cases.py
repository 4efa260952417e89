"""How to call each async member of the surface and its sync twin: receivers, seeds, pools.

The discovered surface drives the checks (``test_surface.py``): every member found on an owner
gets a check, called on every receiver kind of its owner, from seed calls varied by
``calls.grid`` over its real signature. Nothing here is needed for a member whose parameters
the pools already cover; a member that needs a special seed (a lookup that finds one row, a
field to order by), another twin name or a projection has one entry in ``TWINS``. Members
listed in ``TWINS`` but missing from a release are reported ``absent`` there.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import inspect
import itertools
import os
import shutil
import tempfile
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

from asgiref.sync import sync_to_async
from django.db.models import Avg, Count, F, Max, Q

from conformance.runner.suite.calls import Call, Value, code, lit
from testapp import hooks, users
from testapp.models import Article, Author, CountingSave, Note, Tag

BASE_TIME = datetime.fromisoformat("2024-01-01T00:00:00+00:00")
# "Now" while a surface case runs, so both runs compute the same expiry dates and ages.
FROZEN_NOW = datetime.fromisoformat("2030-01-01T12:00:00+00:00")
SESSION_KEY = "conformancesessionkey0001"
PERM = "testapp.add_article"


ITERATORS = (types.GeneratorType, map, filter, zip)


@contextlib.contextmanager
def frozen_clock() -> Iterator[None]:
    """One instant for both runs of a call: Django's "now" (expiry dates, ages) and the clock
    the cache backends add timeouts to, so an entry set with ``timeout=1`` expires, or not,
    alike on both sides however long the machine takes (measured: a loaded MariaDB cell saw
    it expire between the sync run and the reading of its state)."""
    clock = types.SimpleNamespace(time=FROZEN_NOW.timestamp)
    with (
        mock.patch("django.utils.timezone.now", return_value=FROZEN_NOW),
        mock.patch("django.core.cache.backends.base.time", clock),
    ):
        yield


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Twin:
    """What one async member needs beyond its owner's defaults."""

    seeds: tuple[Call, ...] = ()  # default: the owner's first receiver, no arguments
    twin: str | None = None  # default: the name without its leading "a"
    # the sync receiver for a built async one (AsyncPaginator -> Paginator); default: itself
    twin_receiver: Callable[[Any], Any] | None = None
    project: Callable[[Any], Any] = _same  # the result made comparable (may query)
    after: Callable[[Any, tuple[Any, ...]], Any] | None = None  # state left on the receiver
    pools: dict[str, tuple[Any, ...]] = field(default_factory=dict)  # over the shared POOLS
    member: str = ""  # the attribute, when the feature id is an alias (async-for: __aiter__)
    setup: str = ""  # the settings the calls depend on, shown above them in the evidence
    # the sync receiver's code, from the async one's (when ``twin_receiver`` builds another)
    twin_text: Callable[[str], str] = _same


async def call_async(name: str, call: Call) -> tuple[Any, Any, tuple[Any, ...]]:
    """``await receiver.<member>(...)`` (or iterate it): the value, the receiver, the args."""
    receiver, args, kwargs = await sync_to_async(call.build)()
    if name == "__aiter__":
        value = [item async for item in receiver]
    else:
        value = getattr(receiver, name)(*args, **kwargs)
        if inspect.isawaitable(value):
            value = await value
        elif hasattr(value, "__aiter__"):
            value = [item async for item in value]
    return value, receiver, args


def call_sync(twin: Twin, twin_name: str, call: Call) -> tuple[Any, Any, tuple[Any, ...]]:
    """The twin: ``receiver.<twin>(...)``, or the twin attribute when it is a property."""
    receiver, args, kwargs = call.build()
    if twin.twin_receiver is not None:
        receiver = twin.twin_receiver(receiver)
    if twin_name == "__iter__":
        value = list(receiver)
    else:
        value = getattr(receiver, twin_name)
        if callable(value):
            value = value(*args, **kwargs)
        if isinstance(value, ITERATORS):
            value = list(value)
    return value, receiver, args


def settle(twin: Twin) -> Callable[[tuple[Any, Any, tuple[Any, ...]]], Any]:
    """What a call left, made comparable: its value projected, and the receiver's state.

    Run after the call's own queries and hooks were observed, so that reading the result does
    not count as something the call did."""

    def made_comparable(raw: tuple[Any, Any, tuple[Any, ...]]) -> Any:
        value, receiver, args = raw
        return twin.project(value), twin.after(receiver, args) if twin.after else None

    return made_comparable


def owner_with(recorder: Any, prefix: str, name: str) -> tuple[str, Any] | None:
    """(path, object) of the owner when this release has it and its member ``name``; else
    ``None``, with the member's absence recorded on ``recorder`` as the check's verdict."""
    from conformance.features import OWNERS
    from conformance.runner import probe, surface

    try:
        path, owner = surface.owner_object(prefix)
    except (ImportError, AttributeError) as exc:
        recorder.record(probe.missing(OWNERS[prefix].path or prefix, repr(exc)))
        return None
    if (outcome := probe.absent(owner, name)) is not None:
        recorder.record(outcome)
        return None
    return path, owner


# Receivers ------------------------------------------------------------------------------------


def _article(slug: str) -> Value:
    return code(f"Article.objects.get(slug={slug!r})", lambda: Article.objects.get(slug=slug))


def _modified_article() -> Article:
    row = Article.objects.get(slug="article-1")
    row.title, row.views = "Changed", row.views + 100
    return row


def _raw_articles():
    return Article.objects.raw(f"SELECT * FROM {Article._meta.db_table} ORDER BY id")


QUERYSETS: dict[str, Value] = {
    "manager": code("Article.objects", lambda: Article.objects),
    "all": code("Article.objects.all()", lambda: Article.objects.all()),
    "filtered": code(
        "Article.objects.filter(status='published')",
        lambda: Article.objects.filter(status="published"),
    ),
    "ordered": code(
        "Article.objects.order_by('-views')", lambda: Article.objects.order_by("-views")
    ),
    "sliced": code(
        "Article.objects.order_by('pk')[1:3]", lambda: Article.objects.order_by("pk")[1:3]
    ),
    "values": code("Article.objects.values()", lambda: Article.objects.values()),
    "values_list_flat": code(
        "Article.objects.values_list('slug', flat=True)",
        lambda: Article.objects.values_list("slug", flat=True),
    ),
    "select_related": code(
        "Article.objects.select_related('author')",
        lambda: Article.objects.select_related("author"),
    ),
    "prefetch_related": code(
        "Article.objects.prefetch_related('tags')",
        lambda: Article.objects.prefetch_related("tags"),
    ),
    "distinct": code("Article.objects.distinct()", lambda: Article.objects.distinct()),
    "empty": code("Article.objects.none()", lambda: Article.objects.none()),
    "raw": code("Article.objects.raw('SELECT * FROM testapp_article ORDER BY id')", _raw_articles),
}

MODELS: dict[str, Value] = {
    "saved": _article("article-1"),
    "modified": code(
        "changed(Article.objects.get(slug='article-1'), title='Changed', views=+100)",
        _modified_article,
    ),
    "unsaved": code(
        "Article(title='Fresh', slug='fresh', created_at=BASE_TIME)",
        lambda: Article(title="Fresh", slug="fresh", created_at=BASE_TIME),
    ),
    "overriding": code(
        "CountingSave.objects.get(name='counted')", lambda: CountingSave.objects.get(name="counted")
    ),
}


def _module(name: str) -> Value:
    import importlib

    return code(name, lambda: importlib.import_module(name))


# Where the file session store keeps its files: one folder per built store, under one folder
# per process, removed when the process ends.
_SESSION_FILES = tempfile.mkdtemp(prefix="conformance-sessions-")
atexit.register(shutil.rmtree, _SESSION_FILES, ignore_errors=True)
SESSION_DATA = {"colour": "red", "size": 1}


def _session(key: str | None, *, test_cookie: bool = False, engine: str = "db") -> Value:
    """A session store of ``engine`` holding the seeded session under ``key``, as every store
    would after the same earlier request: the database row (seeded by the ``world`` fixture),
    a file of its own (file store), a signed cookie (signed_cookies). ``test_cookie``: one
    whose stored data holds the test cookie that an earlier request set (loaded fresh, so
    nothing is modified yet)."""

    def build():
        store_class = importlib.import_module(f"django.contrib.sessions.backends.{engine}")
        store = _seeded_store(store_class.SessionStore, key)
        if test_cookie:
            store.set_test_cookie()
            store.save()
            store = _seeded_store(store_class.SessionStore, store.session_key)
        return store

    label = "SessionStore" if engine == "db" else f"{engine}.SessionStore"
    text = f"{label}(session_key={key!r})"
    return code(f"with_test_cookie({text})" if test_cookie else text, build)


def _seeded_store(store_class: type, key: str | None) -> Any:
    engine = store_class.__module__.rpartition(".")[2]
    if engine == "file":
        # Each store reads its own folder, seeded alike, so a run never sees the other's files.
        folder = tempfile.mkdtemp(dir=_SESSION_FILES)
        store = store_class(session_key=key)
        store.storage_path = folder
        if key is not None:
            path = store._key_to_file(key)
            Path(path).write_text(store.encode(SESSION_DATA), encoding="ascii")
            stamp = FROZEN_NOW.timestamp()
            os.utime(path, (stamp, stamp))
        return store
    if engine == "signed_cookies" and key == SESSION_KEY:
        # The cookie an earlier response set: the seeded data, signed.
        seeded = store_class()
        seeded.update(SESSION_DATA)
        seeded.save()
        return store_class(session_key=seeded.session_key)
    return store_class(session_key=key)


def _user(name: str) -> Value:
    return code(users.text(name), lambda: users.get(name))


def _anonymous() -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def _instance(path: str) -> Value:
    def build():
        from conformance.runner.surface import resolve

        return resolve(path)()

    return code(f"{path.rpartition(':')[2]}()", build)


def _request(with_user: bool, remote_user: str | None = None) -> Value:
    """A request as Django's session and authentication middleware leave it: a session, and
    ``request.user``/``request.auser`` resolved from it; ``with_user`` logs alice in first."""

    def build():
        from django.contrib import auth
        from django.contrib.auth.middleware import AuthenticationMiddleware
        from django.contrib.sessions.backends.db import SessionStore
        from django.http import HttpRequest

        request = HttpRequest()
        request.session = SessionStore(session_key=SESSION_KEY)
        request.META = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "conformance"}
        if with_user:
            alice = users.get("alice")
            request.session[auth.SESSION_KEY] = str(alice.pk)
            request.session[auth.BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            request.session[auth.HASH_SESSION_KEY] = alice.get_session_auth_hash()
        if remote_user is not None:
            request.META["REMOTE_USER"] = remote_user
        AuthenticationMiddleware(lambda request: None).process_request(request)
        return request

    who = "alice" if with_user else "anonymous"
    extra = "" if remote_user is None else f", REMOTE_USER={remote_user!r}"
    return code(f"middleware_request(user={who}{extra})", build)


def _paginator(kind: str, label: str, object_list: Callable[[], Any]) -> Value:
    def build():
        from django.core import paginator

        return getattr(paginator, kind)(object_list(), 2)

    return code(f"{kind}({label}, 2)", build)


OBJECT_LISTS: dict[str, tuple[str, Callable[[], Any]]] = {
    "queryset": ("Article.objects.order_by('pk')", lambda: Article.objects.order_by("pk")),
    "list": ("list(Article.objects.order_by('pk'))", lambda: list(Article.objects.order_by("pk"))),
    "values": ("Article.objects.values('slug')", lambda: Article.objects.values("slug")),
    "empty": ("Article.objects.none()", lambda: Article.objects.none()),
    "raw": ("Article.objects.raw('SELECT ...')", _raw_articles),
    "manager": ("Article.objects", lambda: Article.objects),
}


def _page(label: str, object_list: Callable[[], Any]) -> Value:
    def build():
        from django.core.paginator import AsyncPage, AsyncPaginator

        rows = list(object_list())
        return AsyncPage(rows[:2], 1, AsyncPaginator(rows, 2))

    return code(f"AsyncPage(first two of {label}, 1, AsyncPaginator(..., 2))", build)


def sync_paginator(found: Any) -> Any:
    """The ``Paginator`` twin of an ``AsyncPaginator``: same list, same sizes."""
    from django.core.paginator import Paginator

    return Paginator(found.object_list, found.per_page, found.orphans, found.allow_empty_first_page)


def sync_class_text(text: str) -> str:
    """``AsyncPaginator(...)`` written as the ``Paginator(...)`` its twin runs on."""
    return text.replace("AsyncPaginator(", "Paginator(").replace("AsyncPage(", "Page(")


def sync_page(found: Any) -> Any:
    """The ``Page`` twin of an ``AsyncPage``."""
    from django.core.paginator import Page

    return Page(found.object_list, found.number, sync_paginator(found.paginator))


def _related(prefix: str) -> Value:
    managers = {
        "related.reverse-fk": ("Author.objects.get(name='Ada').articles", lambda: ada().articles),
        "related.m2m": (
            "Article.objects.get(slug='article-2').tags",
            lambda: Article.objects.get(slug="article-2").tags,
        ),
        "related.m2m-reverse": (
            "Tag.objects.get(name='python').articles",
            lambda: Tag.objects.get(name="python").articles,
        ),
        "related.generic": (
            "Article.objects.get(slug='article-1').notes",
            lambda: Article.objects.get(slug="article-1").notes,
        ),
    }
    text, build = managers[prefix]
    return code(text, build)


def ada() -> Author:
    return Author.objects.get(name="Ada")


def _sync_receiver(sender: Any, **kwargs: Any) -> str:
    hooks.note("receiver", "sync_receiver")
    return "sync"


async def _async_receiver(sender: Any, **kwargs: Any) -> str:
    hooks.note("receiver", "async_receiver")
    return "async"


def _raising_receiver(sender: Any, **kwargs: Any) -> str:
    hooks.note("receiver", "raising_receiver")
    raise ValueError("this receiver fails")


def _signal(*receivers: Callable[..., Any]) -> Value:
    """A fresh Signal with these receivers connected in this order."""

    def build():
        from django.dispatch import Signal

        signal = Signal()
        for receiver in receivers:
            signal.connect(receiver, weak=False)
        return signal

    names = ", ".join(receiver.__name__ for receiver in receivers)
    return code(f"signal_with({names})", build)


def responses(found: list[tuple[Any, Any]]) -> list[tuple[str, Any]]:
    """Signal responses by receiver name; an exception (``send_robust``) by its class."""
    return [
        (receiver.__name__, type(value).__name__ if isinstance(value, Exception) else value)
        for receiver, value in found
    ]


# Every receiver kind of each owner; the first is the default for members without seeds.
RECEIVERS: dict[str, dict[str, Value]] = {
    "queryset": QUERYSETS,
    "model": MODELS,
    "function": {"module": _module("django.db.models")},
    "shortcuts": {"module": _module("django.shortcuts")},
    "auth": {"module": _module("django.contrib.auth")},
    "auth.user-manager": {
        "manager": code(f"{users.model().__name__}.objects", lambda: _user_model().objects)
    },
    "auth.user": {"user": _user("alice")},
    "auth.anonymous-user": {"anonymous": code("AnonymousUser()", _anonymous)},
    "auth.model-backend": {
        "backend": _instance("django.contrib.auth.backends:ModelBackend"),
    },
    "auth.remote-user-backend": {
        "backend": _instance("django.contrib.auth.backends:RemoteUserBackend"),
    },
    "sessions.db-store": {
        "existing": _session(SESSION_KEY),
        "new": _session(None),
        "test_cookie": _session(SESSION_KEY, test_cookie=True),
    },
    "paginator.async-paginator": {
        kind: _paginator("AsyncPaginator", label, build)
        for kind, (label, build) in OBJECT_LISTS.items()
    },
    "paginator.async-page": {
        kind: _page(label, build)
        for kind, (label, build) in OBJECT_LISTS.items()
        if kind in {"queryset", "list", "values"}
    },
    "dispatch.signal": {
        "sync": _signal(_sync_receiver),
        "mixed": _signal(_sync_receiver, _async_receiver),
        "async-first": _signal(_async_receiver, _sync_receiver),
        "raising": _signal(_raising_receiver, _async_receiver),
    },
    **{prefix: {"manager": _related(prefix)} for prefix in (
        "related.reverse-fk", "related.m2m", "related.m2m-reverse", "related.generic"
    )},
    "auth.base-backend": {"backend": _instance("django.contrib.auth.backends:BaseBackend")},
    "auth.hashers": {"module": _module("django.contrib.auth.hashers")},
    "auth.middleware": {"module": _module("django.contrib.auth.middleware")},
    "auth.remote-user-middleware": {"middleware": code(
        "RemoteUserMiddleware(get_response)", lambda: _remote_user_middleware()
    )},
    "auth.group-manager": {"manager": code("Group.objects", lambda: _group_model().objects)},
    **{f"sessions.{engine.replace('_', '-')}-store": {
        "existing": _session(SESSION_KEY, engine=engine),
        "new": _session(None, engine=engine),
        "test_cookie": _session(SESSION_KEY, test_cookie=True, engine=engine),
    } for engine in ("cache", "cached_db", "file", "signed_cookies")},
    "cache.database": {"cache": code("caches['database']", lambda: _database_cache())},
    "test.client": {
        "anonymous": code("Client()", lambda: _client()),
        "logged_in": code("logged_in(Client(), alice)", lambda: _client(logged_in=True)),
    },
}  # fmt: skip


def _remote_user_middleware() -> Any:
    from django.contrib.auth.middleware import RemoteUserMiddleware

    return RemoteUserMiddleware(lambda request: None)


def _group_model() -> Any:
    from django.contrib.auth.models import Group

    return Group


def _database_cache() -> Any:
    from django.core.cache import caches

    return caches["database"]


def _client(*, logged_in: bool = False) -> Any:
    from django.test import Client

    client = Client()
    if logged_in:
        client.force_login(users.get("alice"))
    return client


def client_state(client, _args: tuple[Any, ...]) -> dict[str, Any]:
    """Who the client is logged in as afterwards, and which cookies it holds."""
    from django.contrib import auth

    session = client.session
    return {
        "cookies": sorted(client.cookies.keys()),
        "user": session.get(auth.SESSION_KEY) is not None,
        "session": sorted(k for k in session.keys() if not k.startswith("_auth_user")),  # noqa: SIM118 (a session store has no __iter__)
    }


def cache_state(cache, _args: tuple[Any, ...]) -> dict[str, Any]:
    """What the seeded and the grid's keys hold afterwards, in both versions."""
    keys = ("colour", "size", "missing", "a", "b")
    return {version: cache.get_many(keys, version=version) for version in (1, 2)}


def _record_upgrade(password: str) -> None:
    """A ``setter`` for ``check_password``: records that it ran (the password upgrade)."""
    hooks.note("setter", "upgrade_password")


def _username(user: Any) -> str | None:
    """What a user logs in with (``get_username()``), whichever the user model."""
    return user.get_username() if user is not None and hasattr(user, "get_username") else None


def _new_user(name: str) -> tuple[Value, ...]:
    """``create_user``'s positional arguments for a new user, as the model's manager takes
    them: ``(username, email, password)`` for Django's, ``(email, password)`` by email."""
    if users.model().USERNAME_FIELD == "email":
        return (lit(users.login(name)), lit("pw"))
    return (lit(name), lit(f"{name}@{users.EMAIL_DOMAIN}"), lit("pw"))


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


# Values that mean something for a parameter of that name, tried before the edge values.
POOLS: dict[str, tuple[Any, ...]] = {
    "chunk_size": (lit(2), lit(2000)),
    "field_name": (lit("pk"), lit("slug"), lit("title"), lit("nope")),
    "id_list": (lit(["article-1", "nope"]), lit([1, 2]), lit(("article-1",))),
    "obj": (
        _article("article-1"),
        code("Article(title='unsaved')", lambda: Article(title="unsaved")),
        code("Tag.objects.get(name='python')", lambda: Tag.objects.get(name="python")),
    ),
    "batch_size": (lit(2),),
    "ignore_conflicts": (lit(True),),
    "update_conflicts": (lit(True),),
    "unique_fields": (lit(["slug"]),),
    "update_fields": (lit(["views"]), lit(["title", "views"]), lit(["nope"])),
    "fields": (lit(["title"]), lit(["views", "title"]), lit(["pk"]), lit(["nope"])),
    "defaults": (lit({"title": "T", "created_at": BASE_TIME}), lit({"views": 5})),
    "create_defaults": (lit({"title": "C", "created_at": BASE_TIME}),),
    "format": (lit("text"), lit("json"), lit("nope")),
    "using": (lit("default"), lit("nope")),
    "force_insert": (lit(True),),
    "force_update": (lit(True),),
    "keep_parents": (lit(True),),
    "from_queryset": (code("Article.objects.all()", lambda: Article.objects.all()),),
    "bulk": (lit(False),),
    "clear": (lit(True),),
    "through_defaults": (lit({}),),
    "perm": (lit(PERM), lit("testapp.change_article"), lit("nope.nope")),
    "perm_list": (lit([PERM, "testapp.change_article"]), lit([PERM, "nope.nope"])),
    "app_label": (lit("testapp"), lit("auth"), lit("nope")),
    "user_obj": (_user("alice"), code("AnonymousUser()", _anonymous)),
    "username": (lit(users.login("alice")), lit(users.login("ALICE")), lit(users.login("nobody"))),
    "password": (lit("wonderland"), lit("wrong")),
    "raw_password": (lit("wonderland"), lit("wrong")),
    "request": (_request(with_user=False), _request(with_user=True)),
    "user": (_user("alice"),),
    "key": (lit("colour"), lit("missing")),
    "value": (lit(3), lit(300), lit(timedelta(hours=1)), lit(FROZEN_NOW + timedelta(days=2))),
    "default": (lit("fallback"),),
    "session_key": (lit(SESSION_KEY), lit("nope")),
    "number": (lit(1), lit(2), lit("1"), lit("last"), lit("x"), lit(1.5)),
    "on_each_side": (lit(1),),
    "on_ends": (lit(1),),
    "remote_user": (lit(users.login("carol")), lit(users.login("alice"))),
    "sender": (lit("conformance"), code("Article", lambda: Article)),
    "user_id": (
        code("alice.pk", lambda: users.get("alice").pk),
        lit(-1),
    ),
    "encoded": (
        code("alice.password", lambda: users.get("alice").password),
        code("legacy.password", lambda: users.get("legacy").password),
        code("nopass.password", lambda: users.get("nopass").password),
        lit("nosuchhasher$1$x$y"),
    ),
    "setter": (code("record_upgrade", lambda: _record_upgrade),),
    "preferred": (lit("default"), lit("md5")),
    "timeout": (lit(60), lit(None)),
    "version": (lit(1), lit(2)),
    "keys": (lit(["colour", "missing"]), lit(["size"])),
    "data": (lit({"a": 1, "b": "two"}),),
    "delta": (lit(1), lit(5)),
    "backend": (lit("django.contrib.auth.backends.ModelBackend"), lit("nope.NoBackend")),
    "**kwargs": (
        (("slug", lit("article-1")),),
        (("slug", lit("nope")),),
        (("views__gte", lit(0)),),
        (("pk", lit(None)),),
        (("nope", lit(1)),),
    ),
}


def created_at(**values: Any) -> tuple[tuple[str, Value], ...]:
    """Keywords for a new Article row, with a fixed creation time."""
    return tuple((key, lit(value)) for key, value in {**values, "created_at": BASE_TIME}.items())


def _new_articles(count: int) -> Value:
    return code(
        f"[Article(title='bulk {{i}}', slug='bulk-{{i}}', created_at=BASE_TIME) for i in "
        f"range({count})]",
        lambda: [
            Article(title=f"bulk {i}", slug=f"bulk-{i}", created_at=BASE_TIME) for i in range(count)
        ],
    )


def _retitled() -> list[Article]:
    rows = list(Article.objects.order_by("pk"))
    for row in rows:
        row.title, row.views = row.title.upper(), row.views + 1
    return rows


def prefetched(instances: list[Article]) -> list[Any]:
    """What prefetching left in each instance's cache, read without querying."""
    return [
        (row.slug, sorted(tag.name for tag in row._prefetched_objects_cache.get("tags", [])))
        for row in instances
    ]


def session_state(store, _args: tuple[Any, ...]) -> dict[str, Any]:
    """What a session store holds afterwards, and whether it will be saved (``modified``)."""
    return {"data": dict(store.items()), "modified": store.modified}


def session_value(value: Any) -> Any:
    """A session row returned by ``acreate_model_instance`` compares by its decoded data."""
    return value.get_decoded() if hasattr(value, "get_decoded") else value


def request_state(request) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "session": sorted(request.session.items()),
        "user": _username(user),
        "authenticated": bool(user is not None and user.is_authenticated),
    }


def _contents(manager, _args: tuple[Any, ...]) -> list[Any]:
    return list(manager.all())


def drawn_key(cache_key: str) -> str:
    """A session cache key with a randomly drawn session key (32 characters) made equal."""
    return cache_key if SESSION_KEY in cache_key else f"{cache_key[:-32]}<new session key>"


def page_content(found) -> Any:
    return (found.number, list(found.object_list))


def _seed(receiver: Value, *args: Value, **kwargs: Value) -> Call:
    return Call(receiver, args, tuple(kwargs.items()))


PAGINATOR = RECEIVERS["paginator.async-paginator"]["queryset"]
ARTICLES = QUERYSETS["all"]
MANAGER = QUERYSETS["manager"]

_CACHE_SETUP = (
    "# settings: CACHES['database'] = DatabaseCache(LOCATION='conformance_cache'),"
    " SESSION_CACHE_ALIAS = 'database'"
)

# What every member of an owner needs, unless its own entry in TWINS says otherwise.
OWNER_TWINS: dict[str, Twin] = {
    "sessions.db-store": Twin(
        project=session_value,
        after=session_state,
        pools={"**kwargs": ((("expiry", lit(300)),), (("modification", lit(FROZEN_NOW)),))},
    ),
    "dispatch.signal": Twin(project=responses),
    "paginator.async-paginator": Twin(twin_receiver=sync_paginator, twin_text=sync_class_text),
    "paginator.async-page": Twin(twin_receiver=sync_page, twin_text=sync_class_text),
    **{prefix: Twin(after=_contents) for prefix in RECEIVERS if prefix.startswith("related.")},
    **{
        f"sessions.{engine}-store": Twin(
            project=session_value,
            after=session_state,
            pools={"**kwargs": ((("expiry", lit(300)),), (("modification", lit(FROZEN_NOW)),))},
            setup=setup,
        )
        for engine, setup in (
            ("cache", _CACHE_SETUP),
            ("cached-db", _CACHE_SETUP),
            ("file", "# settings: SESSION_FILE_PATH, a fresh folder for each store"),
            ("signed-cookies", ""),
        )
    },
    "cache.database": Twin(after=cache_state, setup=_CACHE_SETUP),
    "test.client": Twin(
        after=client_state,
        project=lambda value: dict(value.items()) if hasattr(value, "items") else value,
        pools={
            "**kwargs": (
                (("username", lit(users.login("alice"))), ("password", lit("wonderland"))),
                (("username", lit(users.login("alice"))), ("password", lit("wrong"))),
                (("username", lit(users.login("dormant"))), ("password", lit("wonderland"))),
                (("username", lit(users.login("legacy"))), ("password", lit("wonderland"))),
            ),
            "user": (_user("alice"), _user("dormant")),
        },
    ),
    "auth.remote-user-middleware": Twin(
        after=lambda _, args: request_state(args[-1]) if args else None,
        pools={
            "request": (
                _request(with_user=False, remote_user="carol"),
                _request(with_user=True, remote_user=users.login("alice")),
                _request(with_user=True, remote_user=None),
                _request(with_user=False, remote_user=""),
            ),
        },
    ),
}


def _field_tuples(model: type, sizes: tuple[int, ...] = (2, 3), each: int = 4) -> tuple:
    """Orderings of two and three of the model's own fields (every other one descending),
    the first few of each size in field order: a second field matters only where the first
    one ties, and the seed has ties on each."""
    names = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    found = []
    for size in sizes:
        for combination in list(itertools.combinations(names, size))[:each]:
            written = [f"-{name}" if index % 2 else name for index, name in enumerate(combination)]
            found.append(tuple(lit(name) for name in written))
    return tuple(found)


FIELD_TUPLES = _field_tuples(Article)

# Members that need more than their owner's defaults ------------------------------------------

TWINS: dict[str, Twin] = {
    "queryset.aget": Twin(
        seeds=(_seed(ARTICLES, slug=lit("article-2")),),
        pools={
            "*args": (
                (code("Q(slug='article-1') | Q(pk=-1)", lambda: Q(slug="article-1") | Q(pk=-1)),),
            )
        },
    ),
    "queryset.afirst": Twin(),
    "queryset.alast": Twin(),
    **{
        f"queryset.{name}": Twin(
            seeds=(_seed(ARTICLES, lit("created_at")),),
            pools={"*args": ((lit("-created_at"), lit("pk")), (lit("nope"),), (), *FIELD_TUPLES)},
        )
        for name in ("aearliest", "alatest")
    },
    "queryset.ain_bulk": Twin(
        seeds=(_seed(ARTICLES, lit(["article-1", "article-3", "nope"]), field_name=lit("slug")),)
    ),
    "queryset.acontains": Twin(seeds=(_seed(ARTICLES, _article("article-1")),)),
    "queryset.aexists": Twin(),
    "queryset.aexplain": Twin(),
    "queryset.acount": Twin(),
    "queryset.aaggregate": Twin(
        seeds=(
            _seed(
                ARTICLES,
                total=code("Count('id')", lambda: Count("id")),
                avg=code("Avg('rating')", lambda: Avg("rating")),
                most=code("Max('views')", lambda: Max("views")),
                tagged=code("Count('tags')", lambda: Count("tags")),
            ),
        )
    ),
    "queryset.async-for": Twin(twin="__iter__", member="__aiter__"),
    "queryset.aiterator": Twin(twin="iterator"),
    "queryset.acreate": Twin(seeds=(Call(MANAGER, (), created_at(title="New", slug="new")),)),
    "queryset.aget_or_create": Twin(
        seeds=(
            _seed(MANAGER, slug=lit("article-1"), defaults=lit({"title": "unused"})),
            _seed(
                MANAGER, slug=lit("fresh"), defaults=lit({"title": "T", "created_at": BASE_TIME})
            ),
        )
    ),
    "queryset.aupdate_or_create": Twin(
        seeds=(
            _seed(
                MANAGER,
                slug=lit("article-2"),
                defaults=code("{'views': F('views') + 5}", lambda: {"views": F("views") + 5}),
            ),
            _seed(
                MANAGER,
                slug=lit("brand-new"),
                defaults=lit({"title": "B", "created_at": BASE_TIME}),
            ),
        )
    ),
    "queryset.abulk_create": Twin(
        seeds=(
            _seed(MANAGER, _new_articles(5), batch_size=lit(2)),
            _seed(
                MANAGER,
                code(
                    "[Article(title='dup', slug='article-1', created_at=BASE_TIME)]",
                    lambda: [Article(title="dup", slug="article-1", created_at=BASE_TIME)],
                ),
                ignore_conflicts=lit(True),
            ),
        )
    ),
    "queryset.abulk_update": Twin(
        seeds=(
            _seed(
                MANAGER,
                code("[every article, title upper-cased, views + 1]", _retitled),
                lit(["title"]),
                batch_size=lit(2),
            ),
        )
    ),
    "queryset.aupdate": Twin(
        seeds=(
            _seed(
                code(
                    "Article.objects.filter(status='draft')",
                    lambda: Article.objects.filter(status="draft"),
                ),
                status=lit("published"),
                views=code("F('views') + 1", lambda: F("views") + 1),
            ),
        )
    ),
    "queryset.adelete": Twin(),
    "model.asave": Twin(
        seeds=(_seed(MODELS["modified"]), _seed(MODELS["modified"], update_fields=lit(["views"]))),
        after=lambda row, _: row.pk is not None,
    ),
    "model.adelete": Twin(seeds=(_seed(_article("article-3")),)),
    "model.arefresh_from_db": Twin(
        seeds=(_seed(MODELS["modified"], fields=lit(["title"])),),
        after=lambda row, _: (row.title, row.views),
    ),
    "function.aprefetch_related_objects": Twin(
        seeds=(
            _seed(
                _module("django.db.models"),
                code("list(Article.objects.order_by('pk'))", lambda: list(Article.objects.all())),
                lit("tags"),
            ),
        ),
        project=lambda _: None,
        after=lambda _, args: prefetched(args[0]),
    ),
    "shortcuts.aget_object_or_404": Twin(
        seeds=(
            _seed(
                _module("django.shortcuts"), code("Article", lambda: Article), slug=lit("article-1")
            ),
            _seed(
                _module("django.shortcuts"),
                code("CountingSave.objects", lambda: CountingSave.objects),
                name=lit("counted"),
            ),
        )
    ),
    "shortcuts.aget_list_or_404": Twin(
        seeds=(
            _seed(
                _module("django.shortcuts"),
                code("Article.objects.order_by('pk')", lambda: Article.objects.order_by("pk")),
                status=lit("published"),
            ),
        )
    ),
    "auth.aauthenticate": Twin(
        seeds=(
            _seed(
                _module("django.contrib.auth"),
                username=lit(users.login("alice")),
                password=lit("wonderland"),
            ),
        ),
        pools={
            "**kwargs": ((("username", lit(users.login("alice"))), ("password", lit("wrong"))),)
        },
    ),
    "auth.alogin": Twin(
        seeds=(
            _seed(
                _module("django.contrib.auth"),
                _request(with_user=False),
                _user("alice"),
                backend=lit("django.contrib.auth.backends.ModelBackend"),
            ),
        ),
        after=lambda _, args: request_state(args[0]),
    ),
    "auth.alogout": Twin(
        seeds=(_seed(_module("django.contrib.auth"), _request(with_user=True)),),
        after=lambda _, args: request_state(args[0]),
    ),
    "auth.aget_user": Twin(
        seeds=(_seed(_module("django.contrib.auth"), _request(with_user=False)),),
        project=lambda user: (type(user).__name__, _username(user)),
    ),
    "auth.aupdate_session_auth_hash": Twin(
        seeds=(_seed(_module("django.contrib.auth"), _request(with_user=True), _user("alice")),),
        after=lambda _, args: request_state(args[0]),
    ),
    "auth.acheck_password_with_timing_attack_mitigation": Twin(
        seeds=(_seed(_module("django.contrib.auth"), _user("alice"), lit("wonderland")),)
    ),
    "auth.user-manager.acreate_user": Twin(
        seeds=(_seed(RECEIVERS["auth.user-manager"]["manager"], *_new_user("bob")),)
    ),
    "auth.user-manager.acreate_superuser": Twin(
        seeds=(_seed(RECEIVERS["auth.user-manager"]["manager"], *_new_user("root")),)
    ),
    "auth.user-manager.aget_by_natural_key": Twin(
        seeds=(_seed(RECEIVERS["auth.user-manager"]["manager"], lit(users.login("alice"))),)
    ),
    "auth.user.acheck_password": Twin(seeds=(_seed(_user("alice"), lit("wonderland")),)),
    "auth.model-backend.aauthenticate": Twin(
        seeds=(
            _seed(
                RECEIVERS["auth.model-backend"]["backend"],
                lit(None),
                username=lit(users.login("alice")),
                password=lit("wonderland"),
            ),
        )
    ),
    "auth.model-backend.aget_user": Twin(
        seeds=(
            _seed(
                RECEIVERS["auth.model-backend"]["backend"],
                code("alice.pk", lambda: users.get("alice").pk),
            ),
        )
    ),
    "auth.remote-user-backend.aauthenticate": Twin(
        seeds=(_seed(RECEIVERS["auth.remote-user-backend"]["backend"], lit(None), lit("carol")),)
    ),
    "auth.remote-user-backend.aconfigure_user": Twin(
        seeds=(_seed(RECEIVERS["auth.remote-user-backend"]["backend"], lit(None), _user("alice")),)
    ),
    **{
        f"auth.model-backend.{name}": Twin(
            seeds=(_seed(RECEIVERS["auth.model-backend"]["backend"], _user("alice"), *extra),)
        )
        for name, extra in {
            "aget_all_permissions": (),
            "aget_group_permissions": (),
            "aget_user_permissions": (),
            "ahas_perm": (lit(PERM),),
            "ahas_module_perms": (lit("testapp"),),
        }.items()
    },
    **{
        f"{prefix}.{name}": Twin(seeds=(_seed(next(iter(RECEIVERS[prefix].values())), *extra),))
        for prefix in ("auth.user", "auth.anonymous-user")
        for name, extra in {
            "aget_all_permissions": (),
            "aget_group_permissions": (),
            "aget_user_permissions": (),
            "ahas_perm": (lit(PERM),),
            "ahas_perms": (lit([PERM]),),
            "ahas_module_perms": (lit("testapp"),),
        }.items()
    },
    # django.core.paginator: AsyncPaginator against Paginator, AsyncPage against Page.
    **{
        f"paginator.async-paginator.{name}": Twin(
            twin=twin,
            twin_receiver=sync_paginator,
            twin_text=sync_class_text,
            project=project,
            seeds=seeds,
        )
        for name, twin, project, seeds in (
            ("acount", "count", _same, ()),
            ("anum_pages", "num_pages", _same, ()),
            ("apage_range", "page_range", list, ()),
            ("avalidate_number", None, _same, (_seed(PAGINATOR, lit(2)),)),
            ("apage", None, page_content, (_seed(PAGINATOR, lit(2)),)),
            ("aget_page", None, page_content, (_seed(PAGINATOR, lit("last")),)),
            ("aget_elided_page_range", None, list, ()),
            ("__aiter__", "__iter__", lambda pages: [page_content(p) for p in pages], ()),
        )
    },
    "paginator.async-page.aget_object_list": Twin(
        twin="object_list", twin_receiver=sync_page, twin_text=sync_class_text, project=list
    ),
    "paginator.async-page.__aiter__": Twin(
        twin="__iter__", twin_receiver=sync_page, twin_text=sync_class_text
    ),
}

_HASHERS = RECEIVERS["auth.hashers"]["module"]
_REMOTE = RECEIVERS["auth.remote-user-middleware"]["middleware"]
_CACHE = RECEIVERS["cache.database"]["cache"]
_CLIENT = RECEIVERS["test.client"]["anonymous"]
_REMOTE_CAROL = _request(with_user=False, remote_user=users.login("carol"))
TWINS |= {
    "auth.hashers.acheck_password": Twin(
        seeds=(
            _seed(_HASHERS, lit("wonderland"), POOLS["encoded"][0]),
            # The setter runs only when the password is right and its hash must be upgraded.
            _seed(_HASHERS, lit("wonderland"), POOLS["encoded"][1], setter=POOLS["setter"][0]),
        )
    ),
    "auth.middleware.auser": Twin(
        twin="get_user",
        project=lambda user: (type(user).__name__, _username(user)),
    ),
    "auth.remote-user-middleware.aprocess_request": Twin(
        seeds=(_seed(_REMOTE, _REMOTE_CAROL),),
        after=lambda _, args: request_state(args[0]),
    ),
    "auth.remote-user-middleware.aclean_username": Twin(
        seeds=(_seed(_REMOTE, lit("carol"), _REMOTE_CAROL),)
    ),
    "auth.group-manager.aget_by_natural_key": Twin(
        seeds=(_seed(RECEIVERS["auth.group-manager"]["manager"], lit("editors")),),
        pools={"name": (lit("editors"), lit("nobody"))},
    ),
    **{
        f"cache.database.{name}": replace(
            OWNER_TWINS["cache.database"], seeds=(_seed(_CACHE, *args),)
        )
        for name, args in {
            "aget": (lit("colour"),),
            "aset": (lit("colour"), lit("blue")),
            "aadd": (lit("colour"), lit("blue")),
            "aget_or_set": (lit("missing"), lit("made")),
            "atouch": (lit("colour"), lit(60)),
            "adelete": (lit("colour"),),
            "ahas_key": (lit("colour"),),
            "aincr": (lit("size"),),
            "adecr": (lit("size"),),
            "aincr_version": (lit("size"),),
            "adecr_version": (lit("size"), lit(1), lit(2)),
            "aget_many": (lit(["colour", "size", "missing"]),),
            "aset_many": (lit({"a": 1, "b": "two"}),),
            "adelete_many": (lit(["colour", "missing"]),),
        }.items()
    },
    # A new store's cache key holds the session key it just drew at random.
    **{
        f"sessions.{engine}-store.acache_key": replace(
            OWNER_TWINS[f"sessions.{engine}-store"], project=drawn_key
        )
        for engine in ("cache", "cached-db")
    },
    "test.client.alogin": Twin(
        seeds=(
            Call(
                _CLIENT,
                (),
                (("username", lit(users.login("alice"))), ("password", lit("wonderland"))),
            ),
        )
    ),
}

# Related managers: the same seven methods on every kind of relation.
_RELATED_ROWS: dict[str, tuple[Value, tuple[tuple[str, Value], ...]]] = {
    # prefix: (a row to relate, keywords that create one)
    "related.reverse-fk": (_article("article-3"), created_at(title="By Ada", slug="by-ada")),
    "related.m2m": (
        code("Tag.objects.get(name='django')", lambda: Tag.objects.get(name="django")),
        (("name", lit("async")),),
    ),
    "related.m2m-reverse": (_article("article-2"), created_at(title="Tagged", slug="tagged")),
    "related.generic": (
        code("Note.objects.get(text='loose')", lambda: Note.objects.get(text="loose")),
        (("text", lit("created")),),
    ),
}
for _prefix, (_row, _values) in _RELATED_ROWS.items():
    _manager = RECEIVERS[_prefix]["manager"]
    _first = code(f"{_manager.text}.first()", lambda m=_manager: m.build().first())
    TWINS |= {
        f"{_prefix}.aadd": Twin(seeds=(_seed(_manager, _row),), after=_contents),
        f"{_prefix}.aremove": Twin(seeds=(_seed(_manager, _first),), after=_contents),
        f"{_prefix}.aset": Twin(
            seeds=(_seed(_manager, code(f"[{_row.text}]", lambda r=_row: [r.build()])),),
            after=_contents,
        ),
        **{
            f"{_prefix}.{name}": Twin(seeds=(Call(_manager, (), _values),), after=_contents)
            for name in ("acreate", "aget_or_create", "aupdate_or_create")
        },
    }

# django.contrib.sessions' database store: arguments, and the twin when not the name without "a".
for _name, _args, _twin in (
    ("aget", (lit("colour"),), None),
    ("ahas_key", (lit("colour"),), None),
    ("apop", (lit("colour"),), None),
    ("asetdefault", (lit("size"), lit(3)), None),
    ("aset", (lit("size"), lit(4)), "__setitem__"),
    ("aupdate", (lit({"size": 5}),), None),
    ("aexists", (lit(SESSION_KEY),), None),
    ("aset_expiry", (lit(300),), None),
    ("acreate_model_instance", (lit({"k": "v"}),), None),
):
    TWINS[f"sessions.db-store.{_name}"] = replace(
        OWNER_TWINS["sessions.db-store"],
        seeds=(Call(RECEIVERS["sessions.db-store"]["existing"], _args),),
        twin=_twin,
    )
