"""A broken async method is reported as ``diverges``, with Hypothesis' smallest example.

Each test installs a deliberately wrong async method (as a pytest plugin loaded into the suite's
own process) and runs the real property check for it.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import ROOT, run_suite_in

PROPERTIES = str(ROOT / "conformance/suite/test_properties.py")

BREAKAGES = {
    "queryset.aget": (
        "reading and aget",
        """
        async def aget(self, *args, **kwargs):
            # ignores every filter: returns the table's first row
            first = self.model._default_manager.order_by("pk")[:1]
            return await sync_to_async(first.get)()
        QuerySet.aget = aget
        """,
    ),
    "queryset.abulk_update": (
        "writing and abulk_update",
        """
        async def abulk_update(self, objs, fields, batch_size=None):
            # skips the last field it was asked to update
            return await sync_to_async(self.bulk_update)(objs, fields[:-1] or fields, batch_size)
        QuerySet.abulk_update = abulk_update
        """,
    ),
    "queryset.adelete": (
        "writing and adelete",
        """
        async def adelete(self):
            deleted, per_model = await sync_to_async(self.delete)()
            return deleted + 1, per_model
        QuerySet.adelete = adelete
        """,
    ),
}


@pytest.fixture(scope="module", params=list(BREAKAGES), ids=list(BREAKAGES))
def broken_run(request, tmp_path_factory):
    feature = request.param
    selection, body = BREAKAGES[feature]
    directory = tmp_path_factory.mktemp("broken")
    (directory / "breakage.py").write_text(
        "from asgiref.sync import sync_to_async\n"
        "from django.db.models import QuerySet\n" + textwrap.dedent(body)
    )
    run = run_suite_in(directory, PROPERTIES, "-p", "breakage", "-k", selection)
    return feature, run


def test_a_broken_async_method_is_a_finding_not_a_failed_run(broken_run):
    _, run = broken_run
    assert run.returncode == 0, run.output


def test_a_broken_async_method_is_reported_as_diverges(broken_run):
    feature, run = broken_run
    assert run.feature(feature)["verdict"] == "diverges"


def test_the_evidence_is_the_shrunk_example(broken_run):
    feature, run = broken_run
    (check,) = [
        c for c in run.results["checks"] if c["feature"] == feature and c["verdict"] == "diverges"
    ]
    example = check["evidence"]["example"]
    assert example.startswith("rows=")
    # Shrinking leaves at most one or two rows, with minimal values.
    assert example.count("'label'") <= 2
    evidence = check["evidence"]
    if feature == "queryset.abulk_update":  # same return value; the rows tell them apart
        assert evidence["database"]["after_async"] != evidence["database"]["after_sync"]
    else:
        assert evidence["observed"] != evidence["sync_twin"]
