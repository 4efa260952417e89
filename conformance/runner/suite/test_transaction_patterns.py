"""The reference's transaction examples, run as written and in the sync_to_async form.

Reference: "Transaction Handling". The written form opens ``async with transaction.atomic()``;
the wrapped form does the same work inside one sync function called through ``sync_to_async``,
which is how atomic blocks run in a release without an async context manager. Savepoints are
tried inside the check's own atomic block, which stands in for the outer transaction.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction

from conformance.runner import measure, probe
from conformance.runner.probe import observe_async, rolled_back
from testapp.models import Article, AuditLog, Comment, Tag

TAG_NAMES = ["async", "orm"]


async def create_article_with_tags():
    async with transaction.atomic():
        article = await Article.objects.acreate(title="Atomic", status="draft")
        for name in TAG_NAMES:
            tag, _ = await Tag.objects.aget_or_create(name=name)
            await sync_to_async(article.tags.add)(tag)
        return article.title, sorted([tag.name async for tag in article.tags.all()])


async def create_article_with_tags_wrapped():
    @sync_to_async
    def create():
        with transaction.atomic():
            article = Article.objects.create(title="Atomic", status="draft")
            for name in TAG_NAMES:
                tag, _ = Tag.objects.get_or_create(name=name)
                article.tags.add(tag)
            return article.title, sorted(tag.name for tag in article.tags.all())

    return await create()


async def transfer_articles():
    ada, grace = await _author_ids()
    async with transaction.atomic():
        count = await Article.objects.filter(author_id=ada).aupdate(author_id=grace)
        await AuditLog.objects.acreate(
            action="transfer_articles", count=count, from_author_id=ada, to_author_id=grace
        )
        return count


async def transfer_articles_wrapped():
    ada, grace = await _author_ids()

    @sync_to_async
    def transfer():
        with transaction.atomic():
            count = Article.objects.filter(author_id=ada).update(author_id=grace)
            AuditLog.objects.create(
                action="transfer_articles", count=count, from_author_id=ada, to_author_id=grace
            )
            return count

    return await transfer()


async def _author_ids():
    first = await Article.objects.select_related("author").aget(slug="article-1")
    last = await Article.objects.select_related("author").aget(slug="article-3")
    return first.author_id, last.author_id


ATOMIC_CASES = {
    "pattern.atomic-block": (create_article_with_tags, create_article_with_tags_wrapped),
    "pattern.atomic-transfer": (transfer_articles, transfer_articles_wrapped),
}


@pytest.mark.parametrize(
    ("direct", "wrapped"),
    [
        pytest.param(
            *forms,
            id=feature.removeprefix("pattern."),
            marks=pytest.mark.conformance(
                feature=feature,
            ),
        )
        for feature, forms in ATOMIC_CASES.items()
    ],
)
def test_atomic_block_runs_as_written_or_needs_wrapping(conformance, articles, direct, wrapped):
    """``async with transaction.atomic()`` needs an async context manager Django may not have."""
    conformance.record(probe.pattern(direct, wrapped))


def _savepoint_case(finish: str):
    """Direct (savepoint() called in the coroutine) and wrapped (the reference's) forms."""

    async def direct():
        article = await Article.objects.aget(slug="article-1")
        sid = transaction.savepoint()
        await Comment.objects.acreate(article=article, text="Comment")
        getattr(transaction, f"savepoint_{finish}")(sid)
        return await Comment.objects.filter(text="Comment").acount()

    async def wrapped():
        article = await Article.objects.aget(slug="article-1")
        sid = await sync_to_async(transaction.savepoint)()
        await Comment.objects.acreate(article=article, text="Comment")
        await sync_to_async(getattr(transaction, f"savepoint_{finish}"))(sid)
        return await Comment.objects.filter(text="Comment").acount()

    direct.__qualname__, wrapped.__qualname__ = f"savepoint_{finish}", f"savepoint_{finish}_wrapped"
    return direct, wrapped


@pytest.mark.parametrize(
    "finish",
    [
        pytest.param(
            finish,
            marks=pytest.mark.conformance(
                feature=f"pattern.savepoint-{finish}",
            ),
        )
        for finish in ("rollback", "commit")
    ],
)
def test_savepoint_from_a_coroutine_keeps_or_drops_its_rows(conformance, articles, finish):
    """A rolled-back savepoint drops the comment, a committed one keeps it."""
    direct, wrapped = _savepoint_case(finish)
    outcome = probe.pattern(direct, wrapped)
    form = wrapped if outcome.evidence.get("wrapped") else direct
    with rolled_back():
        remaining = observe_async(form)
    conformance.record(
        measure.with_evidence(
            outcome,
            comments_left=remaining.value,
            expected_comments_left=0 if finish == "rollback" else 1,
        )
    )


async def create_article_safe():
    try:
        async with transaction.atomic():
            await AuditLog.objects.acreate(action="before-duplicate")
            article = await Article.objects.acreate(title="Duplicate", slug="article-1")
            return article, None
    except IntegrityError as exc:
        return None, type(exc).__name__


async def create_article_safe_wrapped():
    @sync_to_async
    def create():
        try:
            with transaction.atomic():
                AuditLog.objects.create(action="before-duplicate")
                article = Article.objects.create(title="Duplicate", slug="article-1")
                return article, None
        except IntegrityError as exc:
            return None, type(exc).__name__

    return await create()


@pytest.mark.conformance(
    feature="pattern.atomic-integrity-error",
)
def test_integrity_error_inside_atomic_leaves_nothing_behind(conformance, articles):
    """The duplicate slug must be caught as IntegrityError and undo the audit row before it."""
    outcome = probe.pattern(create_article_safe, create_article_safe_wrapped)
    form = create_article_safe_wrapped if outcome.evidence.get("wrapped") else create_article_safe

    async def run_and_look():
        article, error = await form()
        audit_rows = await AuditLog.objects.filter(action="before-duplicate").acount()
        duplicates = await Article.objects.filter(title="Duplicate").acount()
        return {"returned_article": article is not None, "caught": error, "left": audit_rows}, (
            duplicates
        )

    with rolled_back():
        seen = observe_async(run_and_look)
    found, duplicates = seen.value if not seen.raised else ({"error": repr(seen.exception)}, None)
    conformance.record(
        measure.with_evidence(
            outcome,
            caught=found.get("caught"),
            rows_left_behind=None if duplicates is None else found.get("left", 0) + duplicates,
        )
    )
