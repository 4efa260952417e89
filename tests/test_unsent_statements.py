"""A statement the database driver refuses before sending it still counts, and breaks nothing.

Django 4.1 on PostgreSQL logs such a statement's text as ``None`` (psycopg 2 refuses a NUL
character in a string before sending the query, and ``last_executed_query`` then has nothing to
decode): a property check drew ``label__contains='\\x00'`` and the check broke with a
``TypeError`` instead of comparing both sides. Here every statement is logged that way.
"""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_suite_in

UNLOGGED = """
def pytest_sessionstart(session):
    from django.db.backends.sqlite3.operations import DatabaseOperations

    DatabaseOperations.last_executed_query = lambda self, cursor, sql, params: None
"""
CHECK = "conformance/runner/suite/test_surface.py::test_async_member_matches_its_sync_twin"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("unsent")
    (directory / "unlogged.py").write_text(UNLOGGED)
    return run_suite_in(directory, str(ROOT / f"{CHECK}[queryset.acount]"), "-p", "unlogged")


def test_a_statement_logged_without_text_leaves_the_verdict_to_the_comparison(run):
    assert run.returncode == 0, run.output[-2000:]
    assert run.feature("queryset.acount")["verdict"] == "native"


def test_a_statement_logged_without_text_is_counted_as_unsent(run):
    (check,) = [c for c in run.results["checks"] if c["feature"] == "queryset.acount"]
    counts = check["evidence"]["query_counts"]
    assert set(counts["sync"]) == {"UNSENT"}
    assert counts["async"] == counts["sync"]
