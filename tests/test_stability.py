"""Verdicts do not change between runs of the same code on the same versions."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conformance.stability import unstable, why
from tests.conftest import ROOT
from tests.session_data import check, observation, session


def test_identical_runs_are_stable():
    run = {("django-6.1-sqlite", "queryset.aget"): "native"}
    assert unstable([run, run, run]) == []


def test_a_verdict_that_changes_between_runs_is_listed_with_every_run():
    runs = [
        {("django-6.1-sqlite", "queryset.aget"): "native"},
        {("django-6.1-sqlite", "queryset.aget"): "diverges"},
        {},
    ]
    assert unstable(runs) == [
        {
            "cell": "django-6.1-sqlite",
            "feature": "queryset.aget",
            "verdicts": ["native", "diverges", "not-run"],
        }
    ]


def test_an_unstable_verdict_is_explained_by_its_checks_notes_and_call(tmp_path):
    document = session("django-6.1-sqlite", {"queryset.aget": "native"})
    document["checks"] = [
        check(
            "queryset.aget",
            "diverges",
            notes=["warned differently (['ResourceWarning'] in async)"],
            evidence={
                "snippet": "await Article.objects.aget(pk=1)",
                "observed": observation(),
                "example": "aget(pk=1)",
            },
        )
    ]
    (tmp_path / "django-6.1-sqlite.json").write_text(json.dumps(document))
    assert why(tmp_path, "django-6.1-sqlite", "queryset.aget") == [
        "diverges: aget(pk=1) warned differently (['ResourceWarning'] in async)"
    ]


# The checks whose inputs are drawn at random or whose outcome depends on scheduling: the rest
# of a cell calls a fixed grid, so repeating it would re-check nothing a seed can change.
RANDOM_OR_CONCURRENT = (
    "test_properties or test_state_machine or test_queries_in_flight or test_connections"
    " or test_asgi_views"
)


@pytest.mark.slow  # three nested nox runs of a real cell
def test_three_runs_of_one_real_cell_give_identical_verdicts():
    completed = subprocess.run(
        [
            sys.executable, "-m", "conformance.stability", "--runs", "3", "django-6.1-sqlite",
            "--", "-k", RANDOM_OR_CONCURRENT,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "over 3 runs: identical" in completed.stdout
