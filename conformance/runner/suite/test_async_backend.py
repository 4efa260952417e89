"""django-async-backend's own async API, against the sync ORM doing the same work.

The package (https://django-async-backend.readthedocs.io/) gives every model an async manager
(``Model.async_objects``) and ``async_save``/``async_delete``, plus async connections, cursors
and ``async_atomic``, all on psycopg's asyncio connection instead of Django's ``sync_to_async``.
Each check here does one piece of work both ways and compares, through the suite's one
differential (``probe.differential``, with this file's runner and observer), the value (by
content), the exception class, the statements issued (by verb, savepoints aside), the signal
receivers that ran (``testapp/hooks.py``) and the rows of the kit's tables afterwards.

Isolation differs from the rest of the suite, for a reason found by measuring: the package's
connection is a second server session beside the sync connection of the test. Rows the sync
ORM writes inside the test's transaction are invisible to it, and its write of such a row waits
on that transaction's lock while the transaction waits for it: a hang no server can detect
(``test_the_async_orm_inside_a_sync_transaction`` keeps that finding). So these checks commit
their data (pytest-django's ``transactional_db``), rebuild it with sequences reset before each
side, and close the package's connections before each event loop ends, as its
``request_finished`` handler does under ASGI. Every other cell skips these checks: the package
is installed in its own column only.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.apps import apps
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from conformance.runner import measure, probe
from conformance.runner.probe import Outcome, evidence, observed
from conformance.verdicts import Verdict
from testapp.models import Article, Author, Comment, Tag

NOT_INSTALLED = (
    "django-async-backend is not installed in this cell: its checks run in the "
    "django-6.1-async-backend column only"
)
BASE = "2024-01-01T00:00:00+00:00"


@pytest.fixture
def backend(transactional_db) -> None:
    """Skip where the package is not installed; else committed rows for both connections."""
    if not apps.is_installed("django_async_backend"):
        pytest.skip(NOT_INSTALLED)
    reset()


def kit_tables() -> tuple[Any, ...]:
    """testapp's models (through tables included): what a check may write to."""
    return tuple(model for model in probe.all_tables() if model._meta.app_label == "testapp")


def reset() -> None:
    """Empty the kit's tables with their sequences restarted, then write the same few rows, so
    both sides of a comparison start from identical rows with identical keys."""
    tables = [model._meta.db_table for model in kit_tables()]
    flush = connection.ops.sql_flush(no_style(), tables, reset_sequences=True, allow_cascade=True)
    connection.ops.execute_sql_flush(flush)
    ada, grace = Author.objects.create(name="Ada"), Author.objects.create(name="Grace")
    python = Tag.objects.create(name="python", slug="python")
    for index, (status, author) in enumerate(
        [("published", ada), ("draft", ada), ("published", grace)], start=1
    ):
        article = Article.objects.create(
            title=f"Article {index}",
            slug=f"article-{index}",
            status=status,
            views=index * 10,
            created_at=f"2024-01-0{index}T00:00:00+00:00",
            author=author,
        )
        Comment.objects.create(article=article, text=f"on {index}", approved=index == 1)
    python.articles.add(Article.objects.get(slug="article-1"))


def run(function: Callable[[], Awaitable[Any]], statements: probe.Statements | None = None) -> Any:
    """Await ``function()`` in a fresh event loop, its statements on the package's connection
    through ``statements``, and close that connection before the loop ends (else it stays open
    on the server: see ``test_a_new_event_loop_per_call_leaves_its_connection_open``)."""
    from django_async_backend.db import async_connections, close_old_async_connections

    async def scoped() -> Any:
        try:
            if statements is None:
                return await function()
            with async_connections["default"].execute_wrapper(statements):
                return await function()
        finally:
            await close_old_async_connections()

    return async_to_sync(scoped)()


@dataclass(frozen=True)
class OwnConnection:
    """How each side runs here (a ``probe.Runner``): from the reset rows, committed, on what
    ``prepare`` fetched or built for it (with the sync ORM, before the call is watched); the
    sync twin on Django's connection, the async call on the package's in a fresh event loop."""

    prepare: Callable[[], Any] = lambda: None

    @contextmanager
    def side(
        self, call: Callable[[Any], Any], *, sync: bool
    ) -> Iterator[Callable[[probe.Statements], Any]]:
        reset()
        prepared = self.prepare()

        def make(statements: probe.Statements) -> Any:
            if not sync:
                return run(lambda: call(prepared), statements)
            with connection.execute_wrapper(statements):
                return call(prepared)

        yield make


def compare(
    async_call: Callable[[Any], Awaitable[Any]],
    sync_call: Callable[[Any], Any],
    code: str,
    prepare: Callable[[], Any] = lambda: None,
    example: str | None = None,
) -> Outcome:
    """The package's async call against the sync ORM doing the same work, each from the reset
    rows, by the suite's one differential: values compared by content, and every row of the
    kit's tables afterwards (keys are the same on both sides, as sequences restart: no
    baseline)."""
    return probe.differential(
        async_call,
        sync_call,
        code=code,
        example=example or code.splitlines()[-1],
        settle=probe.comparable,
        runner=OwnConnection(prepare),
        observer=probe.EveryRow(kit_tables()),
    )


# --- the manager and queryset: Model.async_objects against Model.objects ----------------------


def _new_authors() -> list[Author]:
    return [Author(name="Lin"), Author(name="Barbara")]


def _renamed_authors() -> list[Author]:
    authors = list(Author.objects.order_by("pk"))
    for author in authors:
        author.name = author.name.upper()
    return authors


@dataclass(frozen=True)
class Call:
    """One manager call, made on ``Model.async_objects`` and, without its leading ``a``, on
    ``Model.objects``; ``filters`` narrow the queryset first, ``build`` makes fresh arguments
    (instances) for each side."""

    model: type
    method: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)
    build: Callable[[], tuple] | None = None

    def queryset(self, manager: str) -> Any:
        found = getattr(self.model, manager)
        return found.filter(**self.filters) if self.filters else found.all()

    def arguments(self) -> tuple:
        return self.build() if self.build else self.args

    async def on_async(self, args: tuple) -> Any:
        queryset = self.queryset("async_objects")
        if self.method == "async-for":
            return [row async for row in queryset]
        return await getattr(queryset, self.method)(*args, **self.kwargs)

    def on_sync(self, args: tuple) -> Any:
        queryset = self.queryset("objects")
        if self.method == "async-for":
            return list(queryset)
        return getattr(queryset, self.method[1:])(*args, **self.kwargs)

    def text(self) -> str:
        where = f".filter({_arguments((), self.filters)})" if self.filters else ""
        arguments = "*fresh instances" if self.build else _arguments(self.args, self.kwargs)
        receiver = f"{self.model.__name__}.async_objects{where}"
        if self.method == "async-for":
            return f"[row async for row in {receiver}]"
        return f"await {receiver}.{self.method}({arguments})"


def _arguments(args: tuple, kwargs: dict[str, Any]) -> str:
    return ", ".join([*map(repr, args), *(f"{key}={value!r}" for key, value in kwargs.items())])


MANAGER_CALLS: dict[str, list[Call]] = {
    "aget": [
        Call(Author, "aget", kwargs={"name": "Ada"}),
        Call(Author, "aget", kwargs={"name": "nobody"}),
        Call(Article, "aget", kwargs={"author__name": "Ada"}),
    ],
    "acount": [Call(Article, "acount"), Call(Article, "acount", filters={"status": "draft"})],
    "aexists": [Call(Article, "aexists"), Call(Tag, "aexists", filters={"name": "django"})],
    "afirst": [Call(Article, "afirst"), Call(Tag, "afirst", filters={"name": "django"})],
    "alast": [Call(Article, "alast")],
    "aearliest": [Call(Article, "aearliest", ("created_at",))],
    "alatest": [Call(Article, "alatest", ("created_at",)), Call(Comment, "alatest")],
    "ain_bulk": [Call(Author, "ain_bulk", ([1, 2, 99],)), Call(Article, "ain_bulk")],
    "acontains": [Call(Author, "acontains", build=lambda: (Author.objects.get(name="Ada"),))],
    "aaggregate": [Call(Article, "aaggregate", (Sum("views"),), filters={"status": "published"})],
    "acreate": [
        Call(Author, "acreate", kwargs={"name": "Lin"}),
        Call(Tag, "acreate", kwargs={"name": "python"}),
    ],
    "aget_or_create": [
        Call(Author, "aget_or_create", kwargs={"name": "Ada"}),
        Call(Author, "aget_or_create", kwargs={"name": "Lin"}),
    ],
    "aupdate_or_create": [
        Call(Author, "aupdate_or_create", kwargs={"name": "Ada", "defaults": {"name": "Ada L."}}),
        Call(Author, "aupdate_or_create", kwargs={"name": "Lin", "defaults": {"name": "Lin Y."}}),
    ],
    "abulk_create": [Call(Author, "abulk_create", build=lambda: (_new_authors(),))],
    "abulk_update": [
        Call(Author, "abulk_update", ("name",), build=lambda: (_renamed_authors(), ["name"]))
    ],
    "aupdate": [Call(Article, "aupdate", kwargs={"views": F("views") + 1}, filters={"pk": 1})],
    "adelete": [Call(Author, "adelete", filters={"name": "Ada"}), Call(Tag, "adelete")],
    "async-for": [Call(Article, "async-for", filters={"author__name": "Ada"})],
    "aiterator": [Call(Article, "aiterator")],
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            id=name,
            marks=pytest.mark.conformance(feature=f"async-backend.queryset.{name}"),
        )
        for name in MANAGER_CALLS
    ],
)
def test_async_manager_method_matches_the_sync_orm(conformance, backend, name):
    for call in MANAGER_CALLS[name]:
        if call.method != "async-for" and not hasattr(call.queryset("async_objects"), name):
            conformance.record(probe.absent(type(call.queryset("async_objects")), name))
            continue
        conformance.record(compare(call.on_async, call.on_sync, call.text(), call.arguments))


# --- the model mixin: async_save and async_delete against save and delete --------------------


@dataclass(frozen=True)
class InstanceCall:
    """``instance.<method>(**kwargs)`` after ``prepare`` (which fetches or builds the instance),
    made with the package's async method and with its sync twin."""

    method: str
    twin: str
    kwargs: dict[str, Any]
    prepare: Callable[[], Any]
    text: str

    async def on_async(self, instance: Any) -> Any:
        await getattr(instance, self.method)(**self.kwargs)
        return instance

    def on_sync(self, instance: Any) -> Any:
        getattr(instance, self.twin)(**self.kwargs)
        return instance


def _renamed_ada() -> Author:
    ada = Author.objects.get(name="Ada")
    ada.name = "Ada L."
    return ada


def _clashing_tag() -> Tag:
    return Tag(name="python", slug="again")


def _article_by_new_author() -> Article:
    author = Author.objects.create(name="Lin")
    return Article(title="New", slug="new", author=author, created_at=BASE)


INSTANCE_CALLS: dict[str, list[InstanceCall]] = {
    "model.async_save": [
        InstanceCall("async_save", "save", {}, _renamed_ada, "ada.name = 'Ada L.'"),
        InstanceCall(
            "async_save",
            "save",
            {"update_fields": ["name"]},
            _renamed_ada,
            "ada.name = 'Ada L.'; update_fields=['name']",
        ),
        InstanceCall("async_save", "save", {}, _article_by_new_author, "a new article"),
        InstanceCall("async_save", "save", {}, _clashing_tag, "a tag whose unique name exists"),
        InstanceCall(
            "async_save",
            "save",
            {"force_insert": True},
            _renamed_ada,
            "force_insert of a saved row",
        ),
    ],
    "model.async_delete": [
        InstanceCall(
            "async_delete", "delete", {}, lambda: Author.objects.get(name="Ada"), "cascading"
        ),
        InstanceCall("async_delete", "delete", {}, lambda: Tag.objects.get(), "with m2m rows"),
        InstanceCall("async_delete", "delete", {}, lambda: Author(name="unsaved"), "unsaved"),
    ],
}


@pytest.mark.parametrize(
    "feature_id",
    [
        pytest.param(feature_id, id=feature_id, marks=pytest.mark.conformance(feature=feature_id))
        for feature_id in INSTANCE_CALLS
    ],
)
def test_async_model_method_matches_its_sync_twin(conformance, backend, feature_id):
    """The surface members the package adds to Model, checked here rather than by the surface
    grid: the grid's rows live in the test's transaction, which the package cannot see."""
    for call in INSTANCE_CALLS[feature_id]:
        line = f"await instance.{call.method}({_arguments((), call.kwargs)})"
        code = f"# {call.text}\n{line}"
        conformance.record(
            compare(call.on_async, call.on_sync, code, call.prepare, f"{line}  # {call.text}")
        )


# --- connections and cursors: the package's async cursor against Django's sync cursor ---------


@dataclass(frozen=True)
class Query:
    """One statement run on a cursor, read back with one fetch method (or ``async for``)."""

    sql: str
    params: tuple = ()
    fetch: str = "fetchall"

    def text(self) -> str:
        read = (
            "[row async for row in cursor]"
            if self.fetch == "async-for"
            else f"await cursor.{self.fetch}()"
        )
        return (
            "async with await async_connections['default'].cursor() as cursor:\n"
            f"    await cursor.execute({self.sql!r}, {list(self.params)!r})\n    {read}"
        )

    async def on_async(self, _: None) -> Any:
        from django_async_backend.db import async_connections

        async with await async_connections["default"].cursor() as cursor:
            await cursor.execute(self.sql, list(self.params))
            if self.fetch == "async-for":
                rows = [row async for row in cursor]
            else:
                rows = await getattr(cursor, self.fetch)() if cursor.description else None
            return rows, _columns(cursor), cursor.rowcount

    def on_sync(self, _: None) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, list(self.params))
            if self.fetch == "async-for":
                rows = list(cursor)
            else:
                rows = getattr(cursor, self.fetch)() if cursor.description else None
            return rows, _columns(cursor), cursor.rowcount


def _columns(cursor: Any) -> list[str] | None:
    return [column.name for column in cursor.description] if cursor.description else None


ARTICLES_SQL = "SELECT id, title, views FROM testapp_article WHERE views >= %s ORDER BY id"
CURSOR_QUERIES: dict[str, list[Query]] = {
    "async-backend.cursor.fetch": [
        Query(ARTICLES_SQL, (20,)),
        Query(ARTICLES_SQL, (0,), "fetchone"),
        Query(ARTICLES_SQL, (0,), "fetchmany"),
        Query(ARTICLES_SQL, (10**6,), "fetchone"),
        Query("UPDATE testapp_article SET views = views + %s WHERE status = %s", (1, "published")),
        Query("SELECT no_such_column FROM testapp_article"),
        Query("INSERT INTO testapp_tag (name, slug) VALUES (%s, %s)", ("python", "dup")),
    ],
    "async-backend.cursor.async-for": [
        Query(ARTICLES_SQL, (0,), "async-for"),
        Query(ARTICLES_SQL, (10**6,), "async-for"),
    ],
}


@pytest.mark.parametrize(
    "feature_id",
    [
        pytest.param(feature_id, id=feature_id, marks=pytest.mark.conformance(feature=feature_id))
        for feature_id in CURSOR_QUERIES
    ],
)
def test_async_cursor_matches_the_sync_cursor(conformance, backend, feature_id):
    for query in CURSOR_QUERIES[feature_id]:
        conformance.record(compare(query.on_async, query.on_sync, query.text()))


# --- transactions: async_atomic against transaction.atomic, the same work in each ------------


class Abort(Exception):
    """Raised inside a block to roll it back; the caller expects it."""


async def commit_async(_: None) -> list[str]:
    from django_async_backend.db.transaction import async_atomic

    async with async_atomic():
        await Author.async_objects.acreate(name="Lin")
        await Tag.async_objects.filter(name="python").aupdate(slug="py")
    return [name async for name in Author.async_objects.values_list("name", flat=True)]


def commit_sync(_: None) -> list[str]:
    with transaction.atomic():
        Author.objects.create(name="Lin")
        Tag.objects.filter(name="python").update(slug="py")
    return list(Author.objects.values_list("name", flat=True))


async def rollback_async(_: None) -> None:
    from django_async_backend.db.transaction import async_atomic

    async with async_atomic():
        await Author.async_objects.acreate(name="Lin")
        await Article.async_objects.all().adelete()
        raise Abort("rolled back")


def rollback_sync(_: None) -> None:
    with transaction.atomic():
        Author.objects.create(name="Lin")
        Article.objects.all().delete()
        raise Abort("rolled back")


async def savepoint_async(_: None) -> list[str]:
    from django_async_backend.db.transaction import async_atomic

    errors = []
    async with async_atomic():
        await Author.async_objects.acreate(name="Lin")
        for failing in (Tag(name="python"), Abort("inner")):
            try:
                async with async_atomic():
                    await Author.async_objects.acreate(name="lost")
                    if isinstance(failing, Abort):
                        raise failing
                    await failing.async_save()
            except (IntegrityError, Abort) as exc:
                errors.append(type(exc).__name__)
        await Author.async_objects.acreate(name="Barbara")
    return errors


def savepoint_sync(_: None) -> list[str]:
    errors = []
    with transaction.atomic():
        Author.objects.create(name="Lin")
        for failing in (Tag(name="python"), Abort("inner")):
            try:
                with transaction.atomic():
                    Author.objects.create(name="lost")
                    if isinstance(failing, Abort):
                        raise failing
                    failing.save()
            except (IntegrityError, Abort) as exc:
                errors.append(type(exc).__name__)
        Author.objects.create(name="Barbara")
    return errors


async def on_commit_async(_: None) -> list[str]:
    from django_async_backend.db import async_connections
    from django_async_backend.db.transaction import async_atomic

    ran: list[str] = []

    async def notify(what: str) -> None:
        ran.append(what)

    for outcome in ("commit", "rollback"):
        try:
            async with async_atomic():
                await async_connections["default"].on_commit(lambda o=outcome: notify(o))
                await Author.async_objects.acreate(name=outcome)
                if outcome == "rollback":
                    raise Abort(outcome)
        except Abort:
            ran.append("aborted")
    return ran


def on_commit_sync(_: None) -> list[str]:
    ran: list[str] = []
    for outcome in ("commit", "rollback"):
        try:
            with transaction.atomic():
                transaction.on_commit(lambda o=outcome: ran.append(o))
                Author.objects.create(name=outcome)
                if outcome == "rollback":
                    raise Abort(outcome)
        except Abort:
            ran.append("aborted")
    return ran


ATOMIC_CASES = {
    "async-backend.atomic.commit": (commit_async, commit_sync),
    "async-backend.atomic.rollback-on-exception": (rollback_async, rollback_sync),
    "async-backend.atomic.savepoint": (savepoint_async, savepoint_sync),
    "async-backend.atomic.on-commit": (on_commit_async, on_commit_sync),
}


@pytest.mark.parametrize(
    "feature_id",
    [
        pytest.param(feature_id, id=feature_id, marks=pytest.mark.conformance(feature=feature_id))
        for feature_id in ATOMIC_CASES
    ],
)
def test_async_atomic_matches_transaction_atomic(conformance, backend, feature_id):
    async_work, sync_work = ATOMIC_CASES[feature_id]
    code = f"{probe.snippet(async_work)}\n\n# sync twin\n{probe.snippet(sync_work)}"
    example = f"await {async_work.__name__}(), against {sync_work.__name__}()"
    conformance.record(compare(async_work, sync_work, code, example=example))


# --- what the package's documentation says about its connections ------------------------------


def _outcome(holds: bool, snippet: str, seen: Any, why_not: str, **measurements: Any) -> Outcome:
    """``native`` when the documented behaviour held, ``unsupported`` (saying what happened
    instead) when it did not; the observations are the evidence either way."""
    found = evidence(snippet, observed("value", probe.safe_repr(seen)))
    outcome = Outcome(
        Verdict.NATIVE if holds else Verdict.UNSUPPORTED, found, "" if holds else why_not
    )
    return measure.with_evidence(outcome, **measurements)


async def count_on_the_loop(statements: probe.Statements) -> dict[str, Any]:
    """Which threads issued the package's query and Django's own ``acount()``'s, against the
    thread running the event loop."""
    from django_async_backend.db import async_connections

    loop_thread = threading.get_ident()
    package = await Author.async_objects.acount()
    stock = probe.Statements()
    with connection.execute_wrapper(stock):
        django = await Author.objects.acount()
    driver = type(async_connections["default"].connection)
    return {
        "counts": (package, django),
        "package_on_loop": statements.threads == {loop_thread},
        "django_on_loop": stock.threads == {loop_thread},
        "driver_connection": f"{driver.__module__}.{driver.__qualname__}",
    }


@pytest.mark.conformance(feature="async-backend.connection.no-thread-emulation")
def test_queries_run_on_the_event_loop_thread(conformance, backend):
    statements = probe.Statements()
    seen = run(lambda: count_on_the_loop(statements), statements)
    holds = seen["package_on_loop"] and seen["driver_connection"] == "psycopg.AsyncConnection"
    conformance.record(
        _outcome(
            holds,
            probe.snippet(count_on_the_loop),
            seen,
            "the package's query did not run on the event loop's thread over an asyncio connection",
            package_query_on_loop_thread=seen["package_on_loop"],
            django_acount_on_loop_thread=seen["django_on_loop"],
            driver_connection=seen["driver_connection"],
        )
    )


async def share_with_other_tasks() -> str:
    """The task that first queried owns the connection; ``gather`` runs each query in a task
    of its own."""
    await Author.async_objects.acount()
    try:
        await asyncio.gather(Author.async_objects.acount(), Tag.async_objects.acount())
    except RuntimeError as exc:
        return f"RuntimeError: {exc}"
    return "no error: the tasks shared the connection"


@pytest.mark.conformance(feature="async-backend.connection.task-ownership")
def test_a_connection_used_from_another_task_raises(conformance, backend):
    seen = run(share_with_other_tasks)
    conformance.record(
        _outcome(
            seen.startswith("RuntimeError"),
            probe.snippet(share_with_other_tasks),
            seen,
            "another task used the owning task's connection without an error",
            other_task_raises=seen.startswith("RuntimeError"),
        )
    )


async def fan_out_on_new_connections() -> dict[str, Any]:
    """Three tasks, each on its own connection: their server sessions and their results."""
    from django_async_backend.db import async_connections, async_new_connection

    async def one() -> tuple[int, int]:
        async with async_new_connection():
            async with await async_connections["default"].cursor() as cursor:
                await cursor.execute("SELECT pg_backend_pid()")
                (pid,) = await cursor.fetchone()
            return pid, await Article.async_objects.acount()

    found = await asyncio.gather(one(), one(), one())
    return {"sessions": len({pid for pid, _ in found}), "counts": [count for _, count in found]}


@pytest.mark.conformance(feature="async-backend.connection.new-connection")
def test_new_connections_let_tasks_run_in_parallel(conformance, backend):
    seen = run(fan_out_on_new_connections)
    expected = Article.objects.count()
    conformance.record(
        _outcome(
            seen == {"sessions": 3, "counts": [expected] * 3},
            probe.snippet(fan_out_on_new_connections),
            seen,
            f"three tasks did not get three sessions that each counted {expected} articles",
            server_sessions_for_three_tasks=seen["sessions"],
        )
    )


def _other_sessions() -> list[int]:
    """The server sessions on this test database besides the test's own connection."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


async def count_without_closing() -> int:
    return await Author.async_objects.acount()


@pytest.mark.conformance(feature="async-backend.connection.event-loop-per-call")
def test_a_new_event_loop_per_call_leaves_its_connection_open(conformance, backend):
    """What the package's README warns of under WSGI: every request runs in a new event loop.
    ``async_to_sync`` does the same, so three calls that do not close their connection (as the
    package's request signals would) show what is left on the server."""
    before = set(_other_sessions())
    counts = [async_to_sync(count_without_closing)() for _ in range(3)]
    left = sorted(set(_other_sessions()) - before)
    # The coroutines' loops are gone, so their connections can only be ended from the server.
    with connection.cursor() as cursor:
        for pid in left:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    conformance.record(
        _outcome(
            not left,
            f"{probe.snippet(count_without_closing)}\n\n"
            "[async_to_sync(count_without_closing)() for _ in range(3)]",
            {"counts": counts, "sessions_left_open": len(left)},
            f"{len(left)} of 3 calls left their server session open after their event loop "
            "ended: without the package's request_finished handler closing them (or "
            "close_old_async_connections()), each new loop opens a connection nothing closes",
            sessions_left_open=len(left),
        )
    )


async def pooled_sessions() -> list[int]:
    """Two connections taken one after the other from a pool of one: their server sessions."""
    from django_async_backend.db import async_connections
    from django_async_backend.db.backends.postgresql.base import AsyncDatabaseWrapper

    settings = {**async_connections["default"].settings_dict}
    settings["OPTIONS"] = {**settings["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}}
    pooled = AsyncDatabaseWrapper(settings, "conformance-pool")
    sessions = []
    try:
        for _ in range(2):
            async with await pooled.cursor() as cursor:
                await cursor.execute("SELECT pg_backend_pid()")
                sessions.append((await cursor.fetchone())[0])
            await pooled.close()
    finally:
        await pooled.close_pool()
    return sessions


@pytest.mark.conformance(feature="async-backend.connection.pool")
def test_a_pool_hands_the_same_session_back(conformance, backend):
    try:
        import psycopg_pool  # noqa: F401 - the package's `pool` extra
    except ImportError:
        pytest.skip("psycopg-pool is not installed: add the `pool` extra in backends.toml")
    seen = run(pooled_sessions)
    conformance.record(
        _outcome(
            len(seen) == 2 and len(set(seen)) == 1,
            probe.snippet(pooled_sessions),
            seen,
            "the second connection from a pool of one was another server session",
            pooled_sessions_reused=len(set(seen)) == 1,
        )
    )


# --- a finding: the package's async ORM does not share the sync ORM's transaction ------------


async def read_and_write_the_sync_rows(pk: int) -> dict[str, str]:
    """From inside the sync transaction that created author ``pk``: count it, then save it."""
    from django_async_backend.db import async_connections

    seen = {"count": str(await Author.async_objects.filter(pk=pk).acount())}
    # Without a lock timeout this write waits for ever: the sync transaction holding the lock
    # is waiting for this coroutine to return.
    async with await async_connections["default"].cursor() as cursor:
        await cursor.execute("SET lock_timeout = '1s'")
    try:
        await Author(pk=pk, name="Lin L.").async_save()
        seen["save"] = "saved"
    except Exception as exc:
        seen["save"] = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}".strip()
    return seen


def read_and_write_the_sync_rows_sync(pk: int) -> dict[str, str]:
    seen = {"count": str(Author.objects.filter(pk=pk).count())}
    Author(pk=pk, name="Lin L.").save()
    seen["save"] = "saved"
    return seen


@pytest.mark.conformance(feature="async-backend.sync-transaction")
def test_the_async_orm_inside_a_sync_transaction(conformance, backend):
    """A real limitation, not the kit's: the package's connection is a second server session,
    so inside a transaction the sync ORM opened it reads without that transaction's rows and
    its writes of them wait on that transaction's locks."""
    with transaction.atomic():
        lin = Author.objects.create(name="Lin")
        with transaction.atomic():
            sync = read_and_write_the_sync_rows_sync(lin.pk)
            transaction.set_rollback(True)
        seen = run(lambda: read_and_write_the_sync_rows(lin.pk))
        transaction.set_rollback(True)
    found = evidence(
        "with transaction.atomic():\n    lin = Author.objects.create(name='Lin')\n"
        f"    async_to_sync(read_and_write_the_sync_rows)(lin.pk)\n\n"
        f"{probe.snippet(read_and_write_the_sync_rows)}",
        observed("value", probe.safe_repr(seen)),
        sync_twin=observed("value", probe.safe_repr(sync)),
    )
    shared = seen == sync
    reason = (
        ""
        if shared
        else "the package's async ORM runs on its own connection, outside the transaction the "
        f"sync ORM opened: it counted {seen['count']} where the sync ORM counted "
        f"{sync['count']}, and saving that row gave {seen['save'][:160]!r} (without a lock "
        "timeout it waits for ever). Commit before handing rows to the async ORM, or keep the "
        "whole transaction on one side (async_atomic)"
    )
    verdict = Verdict.NATIVE if shared else Verdict.DIVERGES
    conformance.record(
        measure.with_evidence(Outcome(verdict, found, reason), sees_sync_transaction=shared)
    )


# --- what the package's README marks as not supported ---------------------------------------

# Sync protocols of its QuerySet (README: "raises TypeError — use async for obj in qs").
SYNC_PROTOCOLS: dict[str, Callable[[Any], Any]] = {
    "list(qs)": list,
    "len(qs)": len,
    "bool(qs)": bool,
    "author in qs": lambda qs: Author(pk=1) in qs,
}
# Methods it leaves out (README: prefetch_related and araw "❌", defer and only "will not be
# implemented").
LEFT_OUT = ("prefetch_related", "defer", "only", "raw")


@pytest.mark.conformance(feature="async-backend.queryset.sync-protocols")
def test_sync_protocols_of_an_async_queryset_raise_type_error(conformance, backend):
    queryset = Author.async_objects.all()
    seen = {}
    for text, protocol in SYNC_PROTOCOLS.items():
        try:
            seen[text] = f"returned {probe.safe_repr(protocol(queryset))}"
        except Exception as exc:
            seen[text] = f"{type(exc).__name__}: {exc}"
    raised = sorted(text for text, what in seen.items() if what.startswith("TypeError"))
    conformance.record(
        _outcome(
            len(raised) == len(SYNC_PROTOCOLS),
            "queryset = Author.async_objects.all()\n" + "\n".join(SYNC_PROTOCOLS),
            seen,
            "a sync protocol of the async queryset did not raise TypeError",
            raise_type_error=raised,
        )
    )


@pytest.mark.conformance(feature="async-backend.queryset.left-out")
def test_methods_the_async_manager_leaves_out(conformance, backend):
    manager = Author.async_objects
    missing = [name for name in LEFT_OUT if not hasattr(manager, name)]
    found = evidence(
        "\n".join(f"hasattr(Author.async_objects, {name!r})" for name in LEFT_OUT),
        observed("absent", f"missing: {', '.join(missing) or 'none'}"),
    )
    present = [name for name in LEFT_OUT if name not in missing]
    outcome = Outcome(
        Verdict.ABSENT if missing else Verdict.NATIVE,
        found,
        f"Author.async_objects has no {', '.join(missing)}"
        + (f" (present: {', '.join(present)})" if present else ""),
    )
    conformance.record(measure.with_evidence(outcome, missing=missing))
