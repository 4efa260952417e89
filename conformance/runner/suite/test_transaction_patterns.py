"""The reference's transaction examples, run as written and in the sync_to_async form.

Reference: "Transaction Handling". The written form opens ``async with transaction.atomic()``;
the wrapped form is the pattern's pasteable workaround (``patterns.toml``): the same work inside
one sync function called through ``sync_to_async``, which is how atomic blocks run in a release
without an async context manager, run exactly as the report shows it. The written savepoints are
tried inside the check's own atomic block, which stands in for the outer transaction; their
workaround opens its own, as a view must.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, transaction

from conformance.runner import measure
from conformance.runner.probe import observe_async, rolled_back
from conformance.runner.suite.pattern_fixtures import pattern_or_workaround, required_workaround
from testapp.models import Article, AuditLog, Comment, Tag

TAG_NAMES = ["async", "orm"]


async def create_article_with_tags():
    async with transaction.atomic():
        article = await Article.objects.acreate(title="Atomic", status="draft")
        for name in TAG_NAMES:
            tag, _ = await Tag.objects.aget_or_create(name=name)
            await sync_to_async(article.tags.add)(tag)
        return article.title, sorted([tag.name async for tag in article.tags.all()])


async def transfer_articles():
    ada, grace = await _author_ids()
    async with transaction.atomic():
        count = await Article.objects.filter(author_id=ada).aupdate(author_id=grace)
        await AuditLog.objects.acreate(
            action="transfer_articles", count=count, from_author_id=ada, to_author_id=grace
        )
        return count


async def _author_ids():
    first = await Article.objects.select_related("author").aget(slug="article-1")
    last = await Article.objects.select_related("author").aget(slug="article-3")
    return first.author_id, last.author_id


ATOMIC_CASES = {
    "pattern.atomic-block": create_article_with_tags,
    "pattern.atomic-transfer": transfer_articles,
}


@pytest.mark.parametrize(
    ("feature", "direct"),
    [
        pytest.param(
            feature,
            direct,
            id=feature.removeprefix("pattern."),
            marks=pytest.mark.conformance(
                feature=feature,
            ),
        )
        for feature, direct in ATOMIC_CASES.items()
    ],
)
def test_atomic_block_runs_as_written_or_needs_wrapping(conformance, articles, feature, direct):
    """``async with transaction.atomic()`` needs an async context manager Django may not have."""
    conformance.record(pattern_or_workaround(conformance, feature, direct))


def _savepoint_direct(finish: str):
    """The savepoint called in the coroutine, as the reference writes it."""

    async def direct():
        article = await Article.objects.aget(slug="article-1")
        sid = transaction.savepoint()
        await Comment.objects.acreate(article=article, text="Comment")
        getattr(transaction, f"savepoint_{finish}")(sid)

    direct.__qualname__ = f"savepoint_{finish}"
    return direct


def _comments_after(form):
    """Run ``form``, then count the comments it left: what the savepoint kept."""

    async def run_and_count():
        await form()
        return await Comment.objects.filter(text="Comment").acount()

    return run_and_count


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
    feature = f"pattern.savepoint-{finish}"
    direct = _savepoint_direct(finish)
    outcome = pattern_or_workaround(conformance, feature, direct)
    form = required_workaround(feature) if outcome.evidence.get("wrapped") else direct
    with rolled_back():
        remaining = observe_async(_comments_after(form))
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
    """The reference's example in one sync function: what its claims are about, where the
    written form cannot run (the verdict's wrapped form is the pasteable workaround)."""

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
    outcome = pattern_or_workaround(
        conformance, "pattern.atomic-integrity-error", create_article_safe
    )
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
