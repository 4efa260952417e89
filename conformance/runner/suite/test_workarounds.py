"""The reference's workaround patterns and best practices, measured rather than assumed.

Reference: "Workaround Patterns" and "Best Practices". Each check gives a verdict for the
pattern (does it run in a coroutine, natively or only wrapped) and measures the benefit the
reference promises: queries counted on the test thread's connection, which every async call
of the check uses too.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import DatabaseError, IntegrityError
from django.db.models import Count

from conformance.runner import measure, probe
from conformance.runner.probe import rolled_back
from testapp.models import Article, Author


def _process(articles):
    """The reference's processing loop: only related data it says is cached."""
    return [
        (a.author.name, [tag.name for tag in a.tags.all()], a.comments.count()) for a in articles
    ]


def _with_data():
    return Article.objects.select_related("author").prefetch_related("tags", "comments")


@pytest.mark.conformance(
    feature="pattern.prefetch-then-process",
)
def test_prefetched_articles_are_processed_without_further_queries(conformance, articles):
    """After the one wrapped fetch, processing related data in the coroutine queries nothing."""

    async def direct():
        return _process([article async for article in _with_data()])

    async def wrapped():
        return _process(await sync_to_async(lambda: list(_with_data()))())

    outcome = probe.pattern(direct, wrapped)

    with rolled_back(), measure.queries() as captured:

        async def reference():
            @sync_to_async
            def get_articles_with_data():
                return list(_with_data())

            fetched = await get_articles_with_data()
            after_fetch = len(captured)
            _process(fetched)
            return after_fetch, len(captured) - after_fetch

        fetch_queries, processing_queries = measure.run_async(reference)
    conformance.record(
        measure.with_evidence(
            outcome,
            queries=processing_queries,
            fetch_queries=fetch_queries,
            queries_while_processing=processing_queries,
        )
    )


@pytest.mark.conformance(feature="pattern.fetch-related-separately")
def test_attached_author_is_read_without_a_query(conformance, articles):
    """Pattern 2 is all async: aget() both rows, attach, and the FK access queries nothing."""

    async def direct():
        article = await Article.objects.aget(slug="article-1")
        author = await Author.objects.aget(pk=article.author_id)
        article.author = author
        return article.author.name

    async def wrapped():
        return await sync_to_async(
            lambda: Article.objects.select_related("author").get(slug="article-1").author.name
        )()

    outcome = probe.pattern(direct, wrapped)
    with rolled_back(), measure.queries() as captured:

        async def attach_then_read():
            article = await Article.objects.aget(slug="article-1")
            article.author = await Author.objects.aget(pk=article.author_id)
            before = len(captured)
            article.author.name  # noqa: B018 - the access is what is measured
            return before, len(captured) - before

        fetch_queries, access_queries = measure.run_async(attach_then_read)
    conformance.record(
        measure.with_evidence(
            outcome,
            queries=access_queries,
            fetch_queries=fetch_queries,
            queries_on_access=access_queries,
        )
    )


@pytest.mark.conformance(feature="pattern.batch-annotate-counts")
def test_comment_counts_for_many_articles_take_one_query(conformance, articles):
    """Pattern 3: one annotated query, whether iterated natively or through sync_to_async."""
    ids = [article.pk for article in articles]

    def counts():
        return Article.objects.filter(id__in=ids).annotate(count=Count("comments"))

    async def direct():
        return {pk: count async for pk, count in counts().values_list("id", "count")}

    async def wrapped():
        @sync_to_async
        def fetch_counts():
            return dict(counts().values_list("id", "count"))

        return await fetch_counts()

    outcome = probe.pattern(direct, wrapped)
    with rolled_back(), measure.queries() as captured:
        result = measure.run_async(wrapped)
    conformance.record(
        measure.with_evidence(
            outcome,
            queries=len(measure.statements(captured)),
            articles=len(ids),
            counts={str(pk): count for pk, count in sorted(result.items())},
        )
    )


ROWS = 10


@pytest.mark.conformance(feature="pattern.bulk-create-batch")
def test_abulk_create_issues_one_insert_where_the_loop_issues_one_per_row(conformance, db):
    """The reference: abulk_create() is one INSERT for N rows, the acreate() loop is N."""
    rows = [{"title": f"Batch {index}", "slug": f"batch-{index}"} for index in range(ROWS)]

    async def batch():
        await Article.objects.abulk_create([Article(**data) for data in rows])
        return await Article.objects.filter(slug__startswith="batch-").acount()

    async def loop():
        for data in rows:
            await Article.objects.acreate(**data)
        return await Article.objects.filter(slug__startswith="batch-").acount()

    async def wrapped():
        await sync_to_async(Article.objects.bulk_create)([Article(**data) for data in rows])
        return await Article.objects.filter(slug__startswith="batch-").acount()

    outcome = probe.pattern(batch, wrapped)
    inserts = {}
    for name, form in (("batch", batch), ("loop", loop)):
        with rolled_back(), measure.queries() as captured:
            measure.run_async(form)
        inserts[name] = measure.count_statements(measure.statements(captured), "INSERT")
    conformance.record(
        measure.with_evidence(
            outcome, rows=ROWS, inserts_batch=inserts["batch"], inserts_loop=inserts["loop"]
        )
    )


async def safe_create_article(title: str, slug: str, views: int = 0):
    """The reference's error handling, as written (plus ``views`` to provoke a DatabaseError)."""
    try:
        article = await Article.objects.acreate(title=title, slug=slug, status="draft", views=views)
        return article, None
    except IntegrityError:
        return None, f"Duplicate slug: {slug}"
    except DatabaseError as e:
        return None, f"Database error: {e!s}"


ERROR_INPUTS = {
    # what the reference expects to be caught -> the arguments that provoke it
    "duplicate-slug": ("Again", "article-1", 0),
    "integer-overflow": ("Huge", "huge", 2**40),
}


@pytest.mark.conformance(feature="pattern.error-handling")
def test_error_handling_example_catches_what_it_says(conformance, articles):
    """A duplicate slug lands in the IntegrityError branch; a database-rejected value in the
    DatabaseError branch (or nowhere, where the backend accepts the value)."""

    async def direct():
        return (await safe_create_article(*ERROR_INPUTS["duplicate-slug"]))[1]

    outcome = measure.ran(direct)
    branches = {}
    for name, arguments in ERROR_INPUTS.items():

        async def attempt(arguments=arguments):
            return await safe_create_article(*arguments)

        with rolled_back():
            seen = probe.observe_async(attempt)
        if seen.raised:
            branches[name] = f"escaped: {type(seen.exception).__name__}"
        else:
            _article, message = seen.value
            branches[name] = "no error" if message is None else message.split(":")[0]
    conformance.record(measure.with_evidence(outcome, branches=branches))


async def get_from_cache_async(key: str, delay: float):
    """A stand-in for an async cache client: waits, then misses."""
    await asyncio.sleep(delay)
    return None


CACHE_DELAY = 0.03


@pytest.mark.conformance(
    feature="pattern.gather-db-and-io",
)
def test_gathered_database_call_and_cache_wait_overlap(conformance, articles):
    """gather() returns both results in order, and the cache wait overlaps the query."""
    pk = articles[0].pk

    async def direct():
        cached, article = await asyncio.gather(
            get_from_cache_async(f"article:{pk}", CACHE_DELAY), Article.objects.aget(pk=pk)
        )
        return (cached or article).slug

    async def wrapped():
        cached, article = await asyncio.gather(
            get_from_cache_async(f"article:{pk}", CACHE_DELAY),
            sync_to_async(Article.objects.get)(pk=pk),
        )
        return (cached or article).slug

    outcome = probe.pattern(direct, wrapped)

    async def timed():
        started = time.perf_counter()
        await asyncio.gather(get_from_cache_async("k", CACHE_DELAY), Article.objects.aget(pk=pk))
        gathered = time.perf_counter() - started
        started = time.perf_counter()
        await get_from_cache_async("k", CACHE_DELAY)
        await Article.objects.aget(pk=pk)
        sequential = time.perf_counter() - started
        return gathered, sequential

    with rolled_back():
        gathered, sequential = measure.run_async(timed)
    conformance.record(
        measure.with_evidence(
            outcome,
            gathered_s=round(gathered, 5),
            sequential_s=round(sequential, 5),
            wait_s=CACHE_DELAY,
            gathered_over_sequential=round(gathered / sequential, 3),
        )
    )
