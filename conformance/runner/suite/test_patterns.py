"""The reference's limitations, each tried the natural async way and the way it recommends.

Reference: "Limitations and Workarounds" (and the sync_to_async examples it builds on). Each
row of ``CASES`` is one pattern: ``direct`` is what a user would write in a coroutine (``async
for``, an ``a*`` method, or the sync call itself where no async spelling exists); its wrapped form
is the feature's pasteable workaround in ``patterns.toml``, the ``sync_to_async`` code a user
writes instead, run exactly as the report shows it. ``probe.pattern`` runs ``direct`` first and
only falls back to the workaround when it raises, so the verdict says whether the wrapping is
still needed.
Where a release ships a native alternative (``aadd``...), the check also runs it and keeps what
it did in the evidence, so the report can show the alternative next to the pattern.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.db.models import Avg, Count, Sum

from conformance.claims import load as load_claims
from conformance.runner import measure, probe
from conformance.runner.probe import observe_async, rolled_back
from conformance.runner.suite.pattern_fixtures import library, pattern_or_workaround
from testapp.models import Article, Author, Tag

# --- select_related / prefetch_related ------------------------------------------------------


async def select_related_async_for():
    return [(a.title, a.author.name) async for a in Article.objects.select_related("author")]


async def select_related_aget():
    article = await Article.objects.select_related("author").aget(slug="article-1")
    return article.author.name


async def prefetch_async_for():
    queryset = Article.objects.prefetch_related("tags").filter(status="published")
    return [(a.title, [t.name for t in a.tags.all()]) async for a in queryset]


async def prefetch_aiterator():
    queryset = Article.objects.prefetch_related("tags").filter(status="published")
    return [(a.title, [t.name for t in a.tags.all()]) async for a in queryset.aiterator()]


async def prefetch_aiterator_chunk_size():
    queryset = Article.objects.prefetch_related("tags").filter(status="published")
    iterator = queryset.aiterator(chunk_size=2)
    return [(a.title, [t.name for t in a.tags.all()]) async for a in iterator]


# --- aggregations over relations --------------------------------------------------------------


def _author_stats():
    return Author.objects.annotate(book_count=Count("books")).values("name", "book_count")


async def annotate_async_for():
    return [f"{stat['name']}: {stat['book_count']} books" async for stat in _author_stats()]


async def reference_display_stats():
    """The reference's example as written: the wrapped function returns the lazy QuerySet."""

    @sync_to_async
    def get_author_stats():
        return Author.objects.annotate(book_count=Count("books")).values("name", "book_count")

    stats = await get_author_stats()
    return [f"{stat['name']}: {stat['book_count']} books" for stat in stats]


async def aggregate_over_relation():
    return await Author.objects.aaggregate(avg=Avg("books__rating"), sales=Sum("books__sales"))


async def filter_across_relation():
    queryset = Article.objects.filter(tags__name="python").select_related("author")
    return [(a.title, a.author.name) async for a in queryset]


def _dashboard():
    return (
        Author.objects.annotate(
            book_count=Count("books", distinct=True),
            avg_rating=Avg("books__rating"),
            total_sales=Sum("books__sales"),
        )
        .select_related("profile")
        .prefetch_related("awards")
    )


def _dashboard_rows(authors):
    return [
        (a.name, a.book_count, a.total_sales, a.profile.bio, [w.name for w in a.awards.all()])
        for a in authors
    ]


async def dashboard_async_for():
    return _dashboard_rows([author async for author in _dashboard()])


# --- many-to-many -----------------------------------------------------------------------------


async def _tag_names(article):
    return sorted([tag.name async for tag in article.tags.all()])


async def m2m_read():
    article = await Article.objects.aget(slug="article-1")
    return [tag.name async for tag in article.tags.all()]


async def _tags():
    return await Tag.objects.aget(name="python"), await Tag.objects.aget(name="django")


def _m2m_case(operation: str, arguments: Callable[[Tag, Tag], tuple]):
    """Direct and native-alternative forms of one M2M manager operation."""

    async def direct():
        article = await Article.objects.aget(slug="article-1")
        python, django = await _tags()
        getattr(article.tags, operation)(*arguments(python, django))
        return await _tag_names(article)

    async def alternative():
        article = await Article.objects.aget(slug="article-1")
        python, django = await _tags()
        await getattr(article.tags, f"a{operation}")(*arguments(python, django))
        return await _tag_names(article)

    for function in (direct, alternative):
        function.__qualname__ = f"m2m_{operation}_{function.__name__}"
    return direct, alternative


# --- reverse foreign keys, model properties ---------------------------------------------------


async def reverse_fk_async_for():
    article = await Article.objects.aget(slug="article-1")
    return [comment.text async for comment in article.comments.filter(approved=True)]


async def model_property():
    article = await Article.objects.aget(slug="article-1")
    return article.comment_count


async def model_property_wrapped():
    article = await Article.objects.aget(slug="article-1")
    return await sync_to_async(lambda: article.comment_count)()


async def model_async_method():
    article = await Article.objects.aget(slug="article-1")
    return await article.acomment_count()


# --- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatternCase:
    """A pattern: its direct form, and a use of the native API a release may offer instead
    (named, with its feature, by the pattern's ``[[alternative]]`` in claims.toml). Its wrapped
    form is the feature's pasteable workaround (``patterns.toml``), run exactly as written."""

    feature: str
    direct: Callable[[], Awaitable[Any]]
    alternative: Callable[[], Awaitable[Any]] | None = None


M2M_ARGUMENTS = {
    "add": lambda python, django: (django,),
    "remove": lambda python, django: (python,),
    "set": lambda python, django: ([django],),
    "clear": lambda python, django: (),
}
M2M_CASES = []
for _operation, _arguments in M2M_ARGUMENTS.items():
    _direct, _alternative = _m2m_case(_operation, _arguments)
    M2M_CASES.append(PatternCase(f"pattern.m2m-{_operation}", _direct, _alternative))

CASES = [
    PatternCase(
        "pattern.select-related-async-for",
        select_related_async_for,
    ),
    PatternCase(
        "pattern.select-related-aget",
        select_related_aget,
    ),
    PatternCase(
        "pattern.prefetch-related-async-for",
        prefetch_async_for,
    ),
    PatternCase(
        "pattern.prefetch-related-aiterator",
        prefetch_aiterator,
    ),
    PatternCase(
        "pattern.prefetch-related-aiterator-chunk-size",
        prefetch_aiterator_chunk_size,
    ),
    PatternCase(
        "pattern.annotate-over-relation",
        annotate_async_for,
    ),
    PatternCase(
        "pattern.wrapped-lazy-queryset",
        reference_display_stats,
    ),
    PatternCase(
        "pattern.aggregate-over-relation",
        aggregate_over_relation,
    ),
    PatternCase(
        "pattern.filter-across-relation",
        filter_across_relation,
    ),
    PatternCase(
        "pattern.dashboard-query",
        dashboard_async_for,
    ),
    PatternCase(
        "pattern.m2m-read",
        m2m_read,
    ),
    *M2M_CASES,
    PatternCase(
        "pattern.reverse-fk-access",
        reverse_fk_async_for,
    ),
    PatternCase(
        "pattern.model-property-query",
        model_property,
        model_async_method,
    ),
]


def _alternative_evidence(case: PatternCase) -> dict[str, Any]:
    """What the native alternative did when run (AttributeError where the release lacks it)."""
    apis = [a["api"] for a in load_claims()["alternative"] if a["pattern"] == case.feature]
    with rolled_back():
        observed = observe_async(case.alternative)
    return {"api": " or ".join(apis), "observed": observed.to_json()}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.feature.removeprefix("pattern."),
            marks=pytest.mark.conformance(feature=case.feature),
        )
        for case in CASES
    ],
)
def test_pattern_runs_directly_in_a_coroutine_or_needs_wrapping(conformance, articles, case):
    """The verdict says whether the reference's sync_to_async form is still needed."""
    library(articles)
    outcome = pattern_or_workaround(conformance, case.feature, case.direct)
    if case.alternative is not None:
        outcome = measure.with_evidence(outcome, native_alternative=_alternative_evidence(case))
    conformance.record(outcome)


@pytest.mark.conformance(feature="pattern.model-async-method")
def test_model_async_method_that_queries_runs_in_a_coroutine(conformance, articles):
    """The reference's acomment_count() is plain async code on top of acount()."""
    conformance.record(probe.pattern(model_async_method, model_property_wrapped))


# --- sync_to_async thread sensitivity ---------------------------------------------------------


def _where_it_ran(test_thread: int, test_connection: object):
    """What the wrapped function saw: its thread, its connection, the caller's rows."""

    def observe():
        try:
            visible = Article.objects.filter(slug__startswith="article-").count()
            seen: Any = visible
        except Exception as exc:  # another connection may be refused the caller's table
            seen = f"{type(exc).__name__}: {exc}"
        finally:
            separate = connection.connection is not getattr(test_connection, "connection", None)
            if threading.get_ident() != test_thread and separate:
                # A connection of the worker thread's own: never leave it open (PostgreSQL
                # could not drop the test database while it is).
                connection.close()
        return {
            "same_thread_as_caller": threading.get_ident() == test_thread,
            "same_connection_as_caller": not separate,
            "caller_rows_seen": seen,
        }

    return observe


def _count_direct():
    async def direct():
        return Article.objects.count()

    return direct


@pytest.mark.conformance(
    feature="pattern.sync-to-async-thread-sensitive",
)
def test_thread_sensitive_sync_to_async_runs_on_the_callers_connection(conformance, articles):
    """thread_sensitive=True (the default) should reuse the caller's thread and transaction."""
    test_thread, test_connection = threading.get_ident(), connections["default"]
    observe = _where_it_ran(test_thread, test_connection)

    async def wrapped():
        return await sync_to_async(observe, thread_sensitive=True)()

    async def default():
        return await sync_to_async(observe)()

    outcome = pattern_or_workaround(
        conformance, "pattern.sync-to-async-thread-sensitive", _count_direct()
    )
    with rolled_back():
        defaults = observe_async(default)
    with rolled_back():
        sensitive = observe_async(wrapped)
    conformance.record(
        measure.with_evidence(
            outcome,
            thread_sensitive_true=sensitive.value,
            default=defaults.value,
            default_matches_true=defaults.value == sensitive.value,
        )
    )


@pytest.mark.conformance(
    feature="pattern.sync-to-async-thread-insensitive",
)
def test_thread_insensitive_sync_to_async_runs_outside_the_callers_transaction(
    conformance, articles
):
    """thread_sensitive=False runs in a worker thread, with a database connection of its own."""
    observe = _where_it_ran(threading.get_ident(), connections["default"])

    async def insensitive_form():
        return await sync_to_async(observe, thread_sensitive=False)()

    # What to write instead is the thread-sensitive default; thread_sensitive=False is measured.
    outcome = pattern_or_workaround(
        conformance, "pattern.sync-to-async-thread-insensitive", _count_direct()
    )
    with rolled_back():
        insensitive = observe_async(insensitive_form)
    conformance.record(
        measure.with_evidence(
            outcome, thread_sensitive_false=insensitive.value, caller_rows=len(articles)
        )
    )
