"""Adding an async method is no edit at all: discovery finds it, the grid checks it, the report
shows it. This is the README's "Adding a check" walk-through, run for real.

A plugin gives QuerySet a new async method with a sync twin, as a Django release would; the
suite's surface check picks it up by introspection and calls it with the values its signature
implies, and the merged report lists it with its verdict.
"""

from __future__ import annotations

import shutil

import pytest

from conformance.report.__main__ import write_report
from tests.conftest import ROOT, run_suite_in

NEW_METHOD = '''
from asgiref.sync import sync_to_async
from django.db.models import QuerySet


def pytest_sessionstart(session):
    def count_twice(self, factor=2):
        """A new sync method: the row count times ``factor``."""
        return self.count() * factor

    async def acount_twice(self, factor=2):
        return await sync_to_async(self.count_twice)(factor=factor)

    QuerySet.count_twice = count_twice
    QuerySet.acount_twice = acount_twice
'''
CHECK = "conformance/runner/suite/test_surface.py::test_async_member_matches_its_sync_twin"


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    directory = tmp_path_factory.mktemp("new-method")
    (directory / "new_method.py").write_text(NEW_METHOD)
    run = run_suite_in(directory, str(ROOT / f"{CHECK}[queryset.acount_twice]"), "-p", "new_method")
    reports = directory / "reports"
    (reports / "sessions").mkdir(parents=True)
    shutil.copy(run.results_path, reports / "sessions" / "django-5.2-sqlite.json")
    return run, write_report(reports), reports


def test_a_new_async_method_is_checked_without_any_declaration(reported):
    run, _, _ = reported
    assert run.returncode == 0, run.output[-2000:]
    assert run.feature("queryset.acount_twice")["verdict"] == "native"


def test_its_parameters_come_from_its_signature(reported):
    run, _, _ = reported
    (check,) = [c for c in run.results["checks"] if c["feature"] == "queryset.acount_twice"]
    (factor,) = [line for line in check["evidence"]["tried"]["varied"] if line.startswith("factor")]
    assert "None" in factor
    assert "-1" in factor
    assert check["evidence"]["tried"]["calls"] > 10


def test_the_report_shows_it_with_a_title_and_an_area(reported):
    _, merged, reports = reported
    (feature,) = [f for f in merged["features"] if f["id"] == "queryset.acount_twice"]
    assert (feature["title"], feature["area"]) == ("QuerySet.acount_twice()", "retrieval")
    assert feature["cells"]["django-5.2-sqlite"]["verdict"] == "native"
    assert "QuerySet.acount_twice()" in (reports / "index.html").read_text()
