"""Timing claims: decided only against a bound the reference states, otherwise reported with
their spread. No Django for the audit; ``measure.spread`` is the runner's own helper."""

from __future__ import annotations

import pytest

from conformance.claims import load
from conformance.report.claims import audit
from conformance.runner.measure import spread

CELLS = [
    {"id": f"django-{series}-{backend}", "django_series": series, "backend": backend}
    | {"state": "complete"}
    for series in ("5.1", "5.2")
    for backend in ("sqlite", "postgresql")
]
# One async/sync ratio spread per cell, as test_performance.py records them.
RATIOS = {
    "django-5.1-sqlite": spread([0.9, 1.0, 1.1, 1.2, 1.6], digits=3),
    "django-5.1-postgresql": spread([1.0, 1.1, 1.1, 1.2, 1.3], digits=3),
    "django-5.2-sqlite": spread([0.8, 1.0, 1.0, 1.1, 1.2], digits=3),
    "django-5.2-postgresql": spread([1.1, 1.2, 1.3, 1.3, 2.4], digits=3),
}
SIMILAR = {
    "id": "similar",
    "section": "s",
    "quote": "Pure database operations: Async and sync have similar performance",
    "claim": "Async calls cost about what sync calls cost.",
    "features": ["pattern.performance.async-overhead"],
    "asserts": "measured",
    "why": "The reference names no bound for similar.",
    "measure": [{"feature": "pattern.performance.async-overhead", "key": "ratio"}],
}


def overhead(ratios: dict[str, dict[str, float]]) -> dict:
    return {
        "id": "pattern.performance.async-overhead",
        "kind": "pattern",
        "cells": {
            cell_id: {"verdict": "native", "checks": [{"evidence": {"measurements": {"ratio": r}}}]}
            for cell_id, r in ratios.items()
        },
    }


def test_spread_gives_the_median_quartiles_and_extremes_of_the_runs():
    assert spread([1.0, 2.0, 3.0, 4.0, 5.0]) == {
        "median": 3.0, "q1": 1.5, "q3": 4.5, "min": 1.0, "max": 5.0, "runs": 5
    }  # fmt: skip
    assert spread([0.25])["q1"] == spread([0.25])["q3"] == 0.25


def test_a_timing_claim_without_a_number_is_reported_with_its_spread_not_decided():
    (result,) = audit([overhead(RATIOS)], CELLS, {"claim": [SIMILAR]})
    assert result["status"] == "untestable"
    assert result["observed"] == (
        "The reference names no bound for similar. Measured in 4 cells: ratio median from 1.0 "
        "to 1.3 (interquartile range within a cell from 0.9 to 1.85; every run from 0.8 to 2.4)."
    )


def test_a_timing_claim_without_measurements_says_so():
    (result,) = audit([overhead({})], CELLS, {"claim": [SIMILAR]})
    assert result["status"] == "untestable"
    assert (
        "Not measured in any complete cell (pattern.performance.async-overhead ratio)"
        in (result["observed"])
    )


CLAIM = '[[claim]]\nid = "a"\nsection = "s"\nquote = "q"\nclaim = "c"\n'
FEATURE = 'features = ["pattern.performance.async-overhead"]\n'
MEASURE = '[[claim.measure]]\nfeature = "pattern.performance.async-overhead"\nkey = "ratio"\n'
BOUND = 'op = "<="\nvalue = 1.5\n'


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (CLAIM + FEATURE + 'asserts = "measured"\n' + MEASURE, "needs a `why`"),
        (
            CLAIM + FEATURE + 'asserts = "measured"\nwhy = "w"\n' + MEASURE + BOUND,
            "reports figures and decides nothing",
        ),
        (
            CLAIM + FEATURE + 'asserts = "measurement"\n' + MEASURE + BOUND,
            "only against a bound the reference states",
        ),
    ],
)
def test_a_timing_claim_with_a_bound_of_the_kits_own_is_rejected(text, problem):
    with pytest.raises(ValueError, match=problem):
        load(text)


def test_a_timing_decided_against_the_references_own_comparison_loads():
    stated = 'stated = "FASTER than doing them sequentially"\n'
    text = CLAIM + FEATURE + 'asserts = "measurement"\n' + MEASURE + 'op = "<"\nvalue = 1.0\n'
    (claim,) = load(text + stated)["claim"]
    assert claim["measure"][0]["stated"].startswith("FASTER")


def test_the_shipped_timing_claims_decide_only_on_stated_bounds():
    timing = [
        claim
        for claim in load()["claim"]
        if any(f.startswith("pattern.performance.") for f in claim.get("features", []))
    ]
    assert {claim["id"] for claim in timing if claim["asserts"] == "measured"} == {
        "performance.pure-db-similar",
        "performance.io-overlap-faster",
        "best-practice.pure-db-no-benefit",
    }
    decided = [c for c in timing if c["asserts"] == "measurement"]
    assert decided
    assert all(condition["stated"] for c in decided for condition in c["measure"])
