"""Shared data and settings for the conformance suite."""

from __future__ import annotations

import gc
import importlib.util
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from testapp import users
from testapp.models import Article, Author, Comment, Tag

BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


@contextmanager
def _one_loop_thread() -> Iterator[None]:
    """asgiref's ``AsyncSingleThreadContext`` (asgiref 3.9+), else nothing.

    Every ``async_to_sync`` otherwise starts a thread for its event loop; a check makes one
    per call, and on two busy cores the thread starts and hand-offs were a third of a cell's
    time. Inside the context every call of the check runs its own new loop, as before, in
    one thread the check keeps: the same semantics, without the thread per call.
    """
    try:
        from asgiref.sync import AsyncSingleThreadContext, AsyncToSync
    except ImportError:  # an older asgiref: a thread per call, slower but the same verdicts
        yield
        return
    if importlib.util.find_spec("django_async_backend") is not None:
        # Its async connections belong to the thread and task that opened them: a loop thread
        # kept between calls would hand one call's connection to the next, which a user's
        # own ``async_to_sync`` never does (measured: its checks then raised "owned by another
        # task"). Its column keeps a thread per call.
        yield
        return
    context = AsyncSingleThreadContext()
    with context:
        yield
        # Released without waiting: a check its time budget cut short can leave the thread
        # running a loop that never ends (the session stops after such a check); an idle one
        # ends by itself.
        executor = getattr(AsyncToSync, "context_to_thread_executor", {}).pop(context, None)
        if executor is not None:
            executor.shutdown(wait=False)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker) -> Iterator[None]:
    """The run's test database: a copy of the migrated template where the database allows
    (``conformance.runner.template_db``: migrations once, not once per run), else created and
    migrated as pytest-django does; dropped after the run either way."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.test.utils import setup_databases, teardown_databases

    from conformance.runner import template_db

    connection = connections[DEFAULT_DB_ALIAS]
    with django_db_blocker.unblock():
        if template_db.supported(connection):
            original, created = template_db.create_from_template(connection), None
        else:
            created = setup_databases(verbosity=0, interactive=False, aliases={DEFAULT_DB_ALIAS})
    yield
    with django_db_blocker.unblock():
        if created is None:
            connection.creation.destroy_test_db(original, verbosity=0)
        else:
            teardown_databases(created, verbosity=0)


@pytest.fixture(scope="session", autouse=True)
def frozen_heap(django_db_setup) -> None:
    """Everything alive once Django, the test database and the checks are loaded is moved out
    of the garbage collector's sight (``gc.freeze``): it lives until the end anyway, and the
    full collections the checks cause (the server checks' ``gc.collect`` among them) then walk
    only what the checks allocated (measured: a full collection per check cost 3 s a cell)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def one_loop_thread() -> Iterator[None]:
    """The check's ``async_to_sync`` calls share one loop thread, released after the check."""
    with _one_loop_thread():
        yield


# The last row the seed writes: when it is there, the whole seed is.
SEED_SENTINEL = "conformanceexpiredkey0001"


def seed_articles() -> None:
    """Three articles by two authors with distinct fixed times, tags and comments.

    Modules whose every check uses the seed write it once (``seeded``); any other check that
    asks for it writes it inside its own transaction (``articles``, ``world``)."""
    ada = Author.objects.create(name="Ada")
    grace = Author.objects.create(name="Grace")
    python = Tag.objects.create(name="python", slug="python")
    rows = [
        Article.objects.create(
            title=f"Article {index}",
            slug=f"article-{index}",
            status=status,
            views=index * 10,
            rating=index / 2,
            author=author,
            created_at=BASE_TIME + timedelta(days=index),
            published_at=BASE_TIME + timedelta(days=index) if status == "published" else None,
        )
        for index, (status, author) in enumerate(
            [("published", ada), ("draft", ada), ("published", grace)], start=1
        )
    ]
    rows[0].tags.add(python)
    Comment.objects.create(article=rows[0], text="First!", approved=True)
    Comment.objects.create(article=rows[0], text="Spam", approved=False)


def seed_world() -> None:
    """What the surface cases call into besides the articles: tags, notes, users in every
    state, sessions and cached values. The sentinel session comes last."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import caches

    from conformance.runner.suite.surface_cases import FROZEN_NOW
    from testapp.models import CountingSave, Note

    Tag.objects.create(name="django", slug="django")
    # A fourth article that ties with the others on every field the grid orders by: the third's
    # author, status, views and creation time, the second's rating.
    third = Article.objects.get(slug="article-3")
    Article.objects.create(
        title="Article 4",
        slug="article-4",
        status=third.status,
        views=third.views,
        rating=Article.objects.get(slug="article-2").rating,
        author=third.author,
        created_at=third.created_at,
        published_at=third.published_at,
    )
    first = Article.objects.get(slug="article-1")
    first.notes.create(text="first note")
    Note.objects.create(
        content_type=ContentType.objects.get_for_model(Author),
        object_id=first.author_id,
        text="loose",
    )
    alice = users.create("alice", "wonderland")
    editors = Group.objects.create(name="editors")
    editors.permissions.add(Permission.objects.get(codename="change_article"))
    alice.groups.add(editors)
    alice.user_permissions.add(Permission.objects.get(codename="add_article"))
    # The states a real user table has: an inactive user, an unusable password, and a hash
    # made with a salt too short for today's hasher, which a right password upgrades.
    users.create("dormant", "wonderland", is_active=False)
    users.create("nopass", None)
    legacy = users.create("legacy", None)
    legacy.password = make_password("wonderland", salt="ab", hasher="md5")
    legacy.save(update_fields=["password"])
    CountingSave.objects.create(name="counted")
    Session.objects.create(
        session_key="conformancesessionkey0001",
        session_data=SessionStore().encode({"colour": "red", "size": 1}),
        expire_date=FROZEN_NOW + timedelta(days=1),
    )
    caches["database"].set_many({"colour": "red", "size": 1}, timeout=None)
    Session.objects.create(
        session_key=SEED_SENTINEL,
        session_data=SessionStore().encode({"colour": "grey"}),
        expire_date=FROZEN_NOW - timedelta(days=1),
    )


def _seeded() -> bool:
    from django.contrib.sessions.models import Session

    return Session.objects.filter(session_key=SEED_SENTINEL).exists()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The seed, written once for a module, in a transaction around all of its checks: each
    check's own transaction is a savepoint in it, rolled back alone, and the seed is rolled
    back after the module. Only for modules whose checks all use the seed
    (``pytestmark = pytest.mark.usefixtures("seeded")``): other checks would see its rows."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        seed_articles()
        seed_world()
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def baseline(seeded, django_db_blocker) -> dict[str, int]:
    """The highest key of each table in the module's seed: every row a check writes has a
    higher one (its own rows are rolled back, and sequences only go up)."""
    from conformance.runner import probe

    with django_db_blocker.unblock():
        return probe.key_baseline(probe.all_tables())


@pytest.fixture
def articles(db) -> list[Article]:
    """The seeded articles: the module's seed, else written for this check."""
    if not _seeded():
        seed_articles()
    return list(Article.objects.order_by("pk"))


@pytest.fixture
def world(articles) -> list[Article]:
    """Everything the surface cases call into: the module's seed, else written for this
    check."""
    if not _seeded():
        seed_world()
    return articles


@pytest.fixture(scope="session")
def asgi_serving(django_db_setup):
    """testapp served by uvicorn on a loopback port for the whole session, always stopped.

    It serves the session's test database, so that is set up first. A server that cannot stop
    fails the session here, naming its port.
    """
    from conformance.runner.server import serving
    from testapp.asgi import application

    with serving(application) as server:
        yield server


@pytest.fixture
def asgi_server(asgi_serving):
    """The served testapp, for one check; after it, the garbage its requests left is collected.

    Each request's thread ends after its response, and with it the thread's connection
    wrapper; Django closes only the connection of the thread that ends the request, and Python
    warns (``ResourceWarning``) whenever it collects an open SQLite connection. Once the server
    is idle they are collected here, quietly, so no later check takes that warning for one of
    its own calls'.
    """
    from django.db import connection

    yield asgi_serving
    asgi_serving.wait_idle()
    if connection.vendor == "sqlite":  # PostgreSQL's were closed by Django: nothing to warn
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
