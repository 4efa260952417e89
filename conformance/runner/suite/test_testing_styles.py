"""The reference's three ways of testing async code, each run as the reference writes it.

Reference: "Testing Async Code". The TestCase style runs a real ``django.test.TestCase`` through
unittest inside the check. The two pytest-asyncio styles are pytest-asyncio tests themselves
(the only event-loop tests of the suite): their ORM calls run where pytest-asyncio puts them,
which is the point of observing them. What each style really isolated is kept as measurements:
the ORM thread, whether its connection was inside the test's transaction, and whether the
rollback test's atomic block ever ran.
"""

from __future__ import annotations

import threading
import unittest
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection, connections, transaction
from django.test import TestCase

from conformance.runner import measure, probe
from conformance.runner.probe import Outcome
from conformance.runner.suite.pattern_fixtures import required_workaround, workaround_text
from conformance.verdicts import Verdict
from testapp.models import Article

MARK = "Test Article (pytest-asyncio style)"


def reference_test_case() -> type[TestCase]:
    """The reference's TestCase, built here so that pytest does not collect it on its own."""

    class ArticleAsyncTest(TestCase):
        def test_create_article_async(self):
            """Test async article creation"""

            async def create_and_verify():
                article = await Article.objects.acreate(title="Test Article", status="draft")
                self.assertEqual(article.title, "Test Article")  # noqa: PT009 - as written
                count = await Article.objects.filter(title="Test Article").acount()
                self.assertEqual(count, 1)  # noqa: PT009

            async_to_sync(create_and_verify)()

    return ArticleAsyncTest


def _failure_observation(failures: list[tuple[Any, str]]) -> dict[str, Any]:
    return probe.observed("exception", failures[0][1].strip().splitlines()[-1])


@pytest.mark.conformance(feature="pattern.testing.testcase-async-to-sync")
def test_reference_testcase_with_async_to_sync_passes(conformance, db):
    """The TestCase style: a coroutine run by async_to_sync inside a sync test method."""
    case = reference_test_case()
    result = unittest.TestResult()
    # TestCase.tearDownClass closes every connection; the check's own connection (inside
    # pytest-django's transaction) must survive it, so only that close is skipped.
    with mock.patch.object(connections["default"], "close", return_value=None):
        unittest.TestSuite([case("test_create_article_async")]).run(result)
    problems = result.failures + result.errors
    leftover = Article.objects.filter(title="Test Article").count()
    evidence = {
        "snippet": measure.snippet(case),
        "observed": _failure_observation(problems)
        if problems
        else probe.observed("value", f"ran {result.testsRun}, passed"),
    }
    outcome = Outcome(
        Verdict.UNSUPPORTED if problems or not result.testsRun else Verdict.NATIVE,
        evidence,
        "the reference's TestCase failed" if problems else "",
    )
    conformance.record(measure.with_evidence(outcome, rows_left_after_test=leftover))


def _where() -> dict[str, Any]:
    """Where sync_to_async work runs under pytest-asyncio, and in which transaction."""
    return {"thread": threading.get_ident(), "in_atomic_block": connection.in_atomic_block}


def _close_worker_connection() -> None:
    """Close the ORM worker thread's own connection (PostgreSQL cannot drop a database in use)."""
    connection.close()


@pytest.mark.conformance(
    feature="pattern.testing.pytest-asyncio-django-db",
)
@pytest.mark.asyncio
@pytest.mark.django_db
async def test_reference_pytest_asyncio_test_with_django_db(conformance):
    """The reference's pytest-asyncio test, body as written, under pytest-django's django_db."""
    test_thread = threading.get_ident()
    test_transaction = connections["default"].in_atomic_block
    failure: BaseException | None = None
    try:
        article = await Article.objects.acreate(title=MARK, status="draft")
        assert article.title == MARK
        count = await Article.objects.acount()
        assert count == 1, f"count == {count}"
    except (AssertionError, Exception) as exc:
        failure = exc
    where = await sync_to_async(_where)()
    # A row written outside the test's transaction outlives the test: remove it here.
    await Article.objects.filter(title=MARK).adelete()
    if where["thread"] != test_thread:
        await sync_to_async(_close_worker_connection)()
    evidence = {
        "snippet": measure.snippet(test_reference_pytest_asyncio_test_with_django_db),
        "observed": probe.Observation(exception=failure).to_json()
        if failure
        else probe.Observation("the reference's assertions passed").to_json(),
    }
    outcome = Outcome(
        Verdict.UNSUPPORTED if failure else Verdict.NATIVE,
        evidence,
        f"the reference's test failed: {failure!r}" if failure else "",
    )
    conformance.record(
        measure.with_evidence(
            outcome,
            test_in_transaction=test_transaction,
            orm_on_test_thread=where["thread"] == test_thread,
            orm_inside_test_transaction=where["in_atomic_block"],
        )
    )


async def rollback_as_written() -> dict[str, Any]:
    """The reference's rollback test body, with a flag saying whether the block ran."""
    ran, swallowed = False, None
    try:
        async with transaction.atomic():
            ran = True
            await Article.objects.acreate(title="Test", status="draft")
            raise Exception("Test error")
    except Exception as exc:
        swallowed = exc
    return {"block_ran": ran, "swallowed": swallowed, "count": await Article.objects.acount()}


def _rolled_back_for_the_right_reason(seen: dict[str, Any]) -> bool:
    return seen["block_ran"] and str(seen["swallowed"]) == "Test error" and seen["count"] == 0


def _summary(seen: dict[str, Any]) -> dict[str, Any]:
    error = seen["swallowed"]
    return {
        "block_ran": seen["block_ran"],
        "swallowed": f"{type(error).__name__}: {error}" if error else None,
        "count_after": seen["count"],
    }


ROLLBACK = "pattern.testing.pytest-asyncio-transaction-rollback"


@pytest.mark.conformance(feature=ROLLBACK)
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_reference_rollback_test_rolls_back_for_the_right_reason(conformance):
    """The reference's test passes when count == 0; it only tests rollback if the block ran."""
    direct = await rollback_as_written()
    evidence: dict[str, Any] = {
        "snippet": measure.snippet(rollback_as_written),
        "observed": probe.Observation(exception=direct["swallowed"]).to_json()
        if direct["swallowed"]
        else probe.Observation(_summary(direct)).to_json(),
    }
    measurements = {"as_written": _summary(direct)}
    if _rolled_back_for_the_right_reason(direct):
        verdict, reason = Verdict.NATIVE, ""
    else:
        # The same test with the atomic block in a sync function, exactly as the report shows it.
        text = workaround_text(ROLLBACK)
        evidence["snippet"] += "\n\n# wrapped form, as a test writes it\n" + text
        conformance.annotate(workaround=text)
        try:
            await required_workaround(ROLLBACK)()
        except (Exception, pytest.fail.Exception) as exc:
            evidence["wrapped"] = probe.Observation(exception=exc).to_json()
            verdict = Verdict.UNSUPPORTED
        else:
            evidence["wrapped"] = probe.Observation("the test passed").to_json()
            verdict = Verdict.NEEDS_SYNC_TO_ASYNC
        reason = (
            "as written, the atomic block never ran "
            f"(swallowed {type(direct['swallowed']).__name__}); the test passes vacuously"
            if not direct["block_ran"]
            else "as written, the rollback did not happen"
        )
    await sync_to_async(_close_worker_connection)()
    measurements["reference_assertion_passes"] = direct["count"] == 0
    conformance.record(measure.with_evidence(Outcome(verdict, evidence, reason), **measurements))
