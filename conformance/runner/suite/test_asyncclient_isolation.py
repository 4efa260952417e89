"""Test isolation over HTTP: ``AsyncClient`` against an async view, in each testing style.

Issue #13, part 4. A test posts to a create view (``testapp.views.article_create_wrapped``) with
``django.test.AsyncClient``, sees its row, and ends; whether the row outlived the test is the
verdict: ``native`` when the style isolated it (as it isolates the same write made with the
sync ``Client``), ``diverges`` when it leaked into the next test, ``unsupported`` when the write
itself failed. ``TestCase`` and ``TransactionTestCase`` run through unittest inside the check;
the two pytest-django styles are pytest-asyncio tests followed by the check that looks for
their rows (pytest-django keeps the order of transactional tests among themselves); the
non-transactional pytest-django style looks from another connection while it runs.
"""

from __future__ import annotations

import threading
import unittest
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient, TestCase, TransactionTestCase

from conformance.runner import measure
from conformance.runner.probe import Outcome, observed
from conformance.verdicts import Verdict
from testapp.models import Article, Tag

# What each style's test saw of its own write, by style: (status, rows it counted), or what
# the test raised.
Seen = tuple[int, int] | str
SEEN: dict[str, Seen] = {}


async def write_over_http(style: str) -> tuple[int, int]:
    """What a test of ``style`` does: a tag, then the create view over AsyncClient (the form
    that works on every release: isolation is the question here, not ``aadd``)."""
    await Tag.objects.acreate(name=f"asyncclient-{style}")
    response = await AsyncClient().post(
        "/articles/create/wrapped/",
        {"title": "AsyncClient", "slug": f"asyncclient-{style}", "tag": f"asyncclient-{style}"},
        content_type="application/json",
    )
    return response.status_code, await Article.objects.filter(slug=f"asyncclient-{style}").acount()


def _left_behind(style: str) -> int:
    """Rows of ``style``'s test still in the database; they are removed so none leaks further."""
    rows = Article.objects.filter(slug=f"asyncclient-{style}")
    left = rows.count()
    rows.delete()
    Tag.objects.filter(name=f"asyncclient-{style}").delete()
    return left


def _outcome(style: str, seen: Seen | None, left: int, snippet: str) -> Outcome:
    """``left``: the test's rows that outlive it (or, while it runs, committed outside its
    transaction, which its end cannot undo)."""
    if seen is None:
        found = observed("exception", f"the {style} test did not run", type_name="Error")
        return Outcome(Verdict.ERROR, {"snippet": snippet, "observed": found}, "no write seen")
    if isinstance(seen, str):
        found = observed("exception", seen, type_name=seen.split(":", 1)[0])
        return Outcome(Verdict.UNSUPPORTED, {"snippet": snippet, "observed": found}, seen)
    status, counted = seen
    text = f"POST /articles/create/wrapped/ -> {status}; {counted} row(s) in the test, {left} after"
    evidence = {
        "snippet": snippet,
        "example": f"AsyncClient().post('/articles/create/wrapped/') in a {style} test",
        "observed": observed("value", text),
    }
    outcome = Outcome(Verdict.NATIVE, evidence)
    if status != 201 or counted != 1:
        outcome = Outcome(Verdict.UNSUPPORTED, evidence, f"the write did not happen: {text}")
    elif left:
        outcome = Outcome(Verdict.DIVERGES, evidence, f"the test's row leaked: {text}")
    return measure.with_evidence(outcome, status=status, rows_in_test=counted, rows_after=left)


def _run_case(base: type[TransactionTestCase], style: str) -> Seen | None:
    seen: list[Seen] = []

    class Case(base):
        async def test_write_over_http(self):
            seen.append(await write_over_http(style))

    result = unittest.TestResult()
    # The case's class teardown closes every connection; the check's own must survive it.
    with mock.patch.object(connections["default"], "close", return_value=None):
        unittest.TestSuite([Case("test_write_over_http")]).run(result)
    problems = result.errors + result.failures
    if problems:
        return problems[0][1].strip().splitlines()[-1]
    return seen[0] if seen else None


@pytest.mark.conformance(feature="production.testing.asyncclient-testcase")
def test_testcase_isolates_an_asyncclient_write(conformance, transactional_db):
    seen = _run_case(TestCase, "testcase")
    conformance.record(
        _outcome("testcase", seen, _left_behind("testcase"), measure.snippet(write_over_http))
    )


@pytest.mark.conformance(feature="production.testing.asyncclient-transactiontestcase")
def test_transactiontestcase_isolates_an_asyncclient_write(conformance, transactional_db):
    seen = _run_case(TransactionTestCase, "transactiontestcase")
    conformance.record(
        _outcome(
            "transactiontestcase",
            seen,
            _left_behind("transactiontestcase"),
            measure.snippet(write_over_http),
        )
    )


async def _write_in_pytest_style(style: str) -> None:
    try:
        SEEN[style] = await write_over_http(style)
    except Exception as exc:
        SEEN[style] = f"{type(exc).__name__}: {exc}"
    finally:
        # The view's ORM work may run on a worker thread: close its connection (PostgreSQL
        # cannot drop a test database still in use), unless it is the test's own.
        await sync_to_async(_close_if_worker)(threading.get_ident())


def _close_if_worker(test_thread: int) -> None:
    if threading.get_ident() != test_thread:
        connection.close()


def _committed_elsewhere(style: str) -> int | str:
    """The test's rows as another connection sees them, from a thread of its own: rows seen
    there are committed outside the test's transaction, so its rollback cannot remove them.
    They are deleted there too, so nothing leaks into later checks. SQLite refuses to read rows
    another connection holds uncommitted (``table is locked``): those are not committed."""
    found: list[int | str] = []

    def look() -> None:
        try:
            found.append(_left_behind(style))
        except Exception as exc:
            found.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    thread = threading.Thread(target=look, name="conformance-outside-the-test")
    thread.start()
    thread.join(10)
    return found[0] if found else "the other connection did not answer within 10 s"


@pytest.mark.conformance(feature="production.testing.asyncclient-django-db")
@pytest.mark.asyncio
@pytest.mark.django_db
async def test_django_db_isolates_an_asyncclient_write(conformance):
    """pytest-django reorders tests (non-transactional ones first), so no later check can
    look for this test's rows: it looks while it runs, from another connection."""
    await _write_in_pytest_style("django-db")
    outside = await sync_to_async(_committed_elsewhere, thread_sensitive=False)("django-db")
    locked = isinstance(outside, str) and "locked" in outside
    if isinstance(outside, str) and not locked:
        raise AssertionError(f"cannot look from another connection: {outside}")
    snippet = measure.snippet(test_django_db_isolates_an_asyncclient_write)
    conformance.record(
        _outcome(
            "django-db",
            SEEN.get("django-db"),
            0 if locked else outside,
            snippet + "\n\n" + measure.snippet(write_over_http),
        )
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_asyncclient_write_under_django_db_transaction():
    """The transactional pytest-django style, checked next (it records no verdict)."""
    await _write_in_pytest_style("django-db-transaction")


@pytest.mark.conformance(feature="production.testing.asyncclient-django-db-transaction")
def test_django_db_transaction_isolates_an_asyncclient_write(conformance, transactional_db):
    left = _left_behind("django-db-transaction")
    snippet = measure.snippet(test_asyncclient_write_under_django_db_transaction) + "\n\n"
    conformance.record(
        _outcome(
            "django-db-transaction",
            SEEN.get("django-db-transaction"),
            left,
            snippet + measure.snippet(write_over_http),
        )
    )
