"""The claims audit on crafted merged data: each expectation confirmed, refuted and untestable.

No Django: ``conformance.report.claims`` runs in the report step, from results files alone.
"""

from __future__ import annotations

import pytest

from conformance.claims import load
from conformance.features import describe as describe_feature
from conformance.matrix import BACKENDS
from conformance.report.claims import audit, in_words, sync_to_async_table
from conformance.report.merge import since as merged_since

SINCE_42 = {"series": "4.2", "floor": False}
SERIES = ("4.1", "4.2", "5.0", "5.1", "5.2")
CELLS = [
    {"id": f"django-{series}-{backend}", "django_series": series, "backend": backend}
    | {"state": "complete"}
    for series in SERIES
    for backend in ("sqlite", "postgresql")
]


def feature(feature_id, verdicts, *, kind="pattern", evidence=None):
    """A merged feature whose verdict in each cell comes from ``verdicts`` (series -> verdict).

    Its ``since`` is computed by the merge step's own function, as in real merged data.
    """
    cells = {
        cell["id"]: {
            "verdict": verdicts(cell["django_series"], cell["backend"]),
            "notes": [],
            "checks": [{"evidence": evidence(cell) if evidence else None}],
        }
        for cell in CELLS
    }
    return {
        "id": feature_id,
        "title": feature_id,
        "kind": kind,
        "since": {backend: merged_since(cells, CELLS, backend) for backend in BACKENDS},
        "cells": cells,
    }


def everywhere(verdict):
    return lambda series, backend: verdict


def since(first, before="absent"):
    return lambda series, backend: "native" if series >= first else before


def claim(**fields):
    base = {"id": "c", "section": "s", "quote": "q", "claim": "text"}
    return base | fields


def decide(features, *claims, alternatives=()):
    data = {"claim": list(claims), "alternative": list(alternatives)}
    return {entry["id"]: entry for entry in audit(features, CELLS, data)}


def test_native_claim_is_confirmed_when_native_from_the_claimed_release():
    result = decide(
        [feature("queryset.aget", everywhere("native"), kind="method")],
        claim(id="aget", features=["queryset.aget"], asserts="native", since="4.1"),
    )
    assert result["aget"]["status"] == "confirmed"
    assert len(result["aget"]["cells"]) == len(CELLS)


def test_native_claim_is_refuted_when_the_api_is_older_than_claimed():
    result = decide(
        [feature("queryset.aupdate", everywhere("native"), kind="method")],
        claim(id="aupdate", features=["queryset.aupdate"], asserts="native", since="5.0"),
    )
    assert result["aupdate"]["status"] == "refuted"
    assert "native in every measured release (4.1 to 5.2)" in result["aupdate"]["observed"]


def test_claim_about_an_api_that_never_exists_says_absent_in_every_release():
    result = decide(
        [feature("queryset.alist", everywhere("absent"), kind="method")],
        claim(id="alist", features=["queryset.alist"], asserts="native", since="5.1"),
    )
    assert result["alist"]["status"] == "refuted"
    assert result["alist"]["observed"] == (
        "queryset.alist: absent in every measured release (4.1 to 5.2)"
    )


def test_native_claim_refuted_with_the_release_it_really_arrived_in():
    result = decide(
        [feature("related.m2m.aadd", since("4.2"), kind="method")],
        claim(id="aadd", features=["related.m2m.aadd"], asserts="native", since="5.0"),
    )
    assert result["aadd"]["status"] == "refuted"
    assert "native since 4.2 (absent before)" in result["aadd"]["observed"]


def test_needs_sync_to_async_claim_is_refuted_by_native_verdicts_in_its_releases():
    result = decide(
        [feature("pattern.reverse-fk-access", everywhere("native"))],
        claim(
            id="reverse",
            features=["pattern.reverse-fk-access"],
            asserts="needs-sync-to-async",
            releases="<=5.1",
        ),
    )
    assert result["reverse"]["status"] == "refuted"
    assert "native in every measured release" in result["reverse"]["observed"]
    assert all("5.2" not in cell for cell in result["reverse"]["cells"])


def test_needs_sync_to_async_claim_is_confirmed_when_wrapping_is_needed_everywhere():
    result = decide(
        [feature("pattern.lazy-forward-fk", everywhere("needs-sync-to-async"))],
        claim(id="lazy", features=["pattern.lazy-forward-fk"], asserts="needs-sync-to-async"),
    )
    assert result["lazy"]["status"] == "confirmed"


def test_needs_sync_to_async_claim_is_refuted_by_a_native_alternative():
    result = decide(
        [
            feature("pattern.m2m-add", everywhere("needs-sync-to-async")),
            feature("related.m2m.aadd", since("4.2"), kind="method"),
        ],
        claim(
            id="m2m",
            features=["pattern.m2m-add"],
            asserts="needs-sync-to-async",
            releases="<=5.1",
            alternatives=["related.m2m.aadd"],
        ),
        alternatives=[
            {"pattern": "pattern.m2m-add", "feature": "related.m2m.aadd", "api": "aadd()"}
        ],
    )
    assert result["m2m"]["status"] == "refuted"
    assert "a native alternative exists: aadd()" in result["m2m"]["observed"]
    assert result["m2m"]["alternatives"] == [
        {
            "api": "aadd()",
            "feature": "related.m2m.aadd",
            "native_since": {"postgresql": SINCE_42, "sqlite": SINCE_42},
        }
    ]


def test_backends_that_differ_are_described_separately():
    text = in_words(
        feature(
            "pattern.x",
            lambda series, backend: "native" if backend == "sqlite" else "unsupported",
        ),
        CELLS,
    )
    assert "native in every measured release (4.1 to 5.2) on sqlite" in text
    assert "unsupported in every measured release (4.1 to 5.2) on postgresql" in text


def test_measurement_claim_is_confirmed_when_every_cell_measures_within_the_bound():
    result = decide(
        [
            feature(
                "pattern.prefetch-then-process",
                everywhere("native"),
                evidence=lambda cell: {"measurements": {"queries_while_processing": 0}},
            )
        ],
        claim(
            id="prefetch",
            features=["pattern.prefetch-then-process"],
            asserts="measurement",
            measure=[
                {
                    "feature": "pattern.prefetch-then-process",
                    "key": "queries_while_processing",
                    "op": "==",
                    "value": 0,
                }
            ],
        ),
    )
    assert result["prefetch"]["status"] == "confirmed"


def test_measurement_claim_is_refuted_naming_the_cells_and_values_that_fail():
    ratios = {"sqlite": 1.8, "postgresql": 1.2}
    result = decide(
        [
            feature(
                "pattern.performance.async-overhead",
                everywhere("native"),
                evidence=lambda cell: {"measurements": {"median_ratio": ratios[cell["backend"]]}},
            )
        ],
        claim(
            id="perf",
            features=["pattern.performance.async-overhead"],
            asserts="measurement",
            measure=[
                {
                    "feature": "pattern.performance.async-overhead",
                    "key": "median_ratio",
                    "op": "<=",
                    "value": 1.5,
                }
            ],
        ),
    )
    assert result["perf"]["status"] == "refuted"
    assert (
        "fails in 5 of 10 measurements (median_ratio from 1.2 to 1.8)"
        in (result["perf"]["observed"])
    )
    assert "django-4.1-sqlite: median_ratio = 1.8 (claimed <= 1.5)" in result["perf"]["observed"]


def test_measurement_reads_dotted_keys_and_query_counts():
    result = decide(
        [
            feature(
                "pattern.batch",
                everywhere("native"),
                evidence=lambda cell: {"queries": 1, "measurements": {"a": {"b": True}}},
            )
        ],
        claim(
            id="dotted",
            features=["pattern.batch"],
            asserts="measurement",
            measure=[
                {"feature": "pattern.batch", "key": "a.b", "op": "==", "value": True},
                {"feature": "pattern.batch", "key": "queries", "op": "==", "value": 1},
            ],
        ),
    )
    assert result["dotted"]["status"] == "confirmed"


def test_claims_are_untestable_when_no_complete_cell_measured_them():
    result = decide(
        [feature("pattern.x", everywhere("error"))],
        claim(id="x", features=["pattern.x"], asserts="native", since="4.1"),
        claim(id="gone", features=["pattern.missing"], asserts="native", since="4.1"),
    )
    assert result["x"]["status"] == "untestable"
    assert "not measured in any complete cell" in result["x"]["observed"]
    assert result["gone"]["status"] == "untestable"
    assert result["gone"]["observed"] == "no check of pattern.missing in these results"


def test_untestable_claims_carry_their_reason():
    result = decide([], claim(id="hints", asserts="untestable", why="no runtime behaviour"))
    assert (result["hints"]["status"], result["hints"]["observed"]) == (
        "untestable",
        "no runtime behaviour",
    )


def test_sync_to_async_table_lists_patterns_that_needed_wrapping_with_alternatives():
    merged = {
        "cells": CELLS,
        "features": [
            feature("pattern.m2m-add", everywhere("needs-sync-to-async")),
            feature("pattern.reverse-fk-access", everywhere("native")),
            feature("related.m2m.aadd", since("4.2"), kind="method"),
        ],
    }
    data = {
        "claim": [],
        "alternative": [{"pattern": "pattern.m2m-add", "feature": "related.m2m.aadd", "api": "x"}],
    }
    rows = sync_to_async_table(merged, data)
    assert [row["feature"] for row in rows] == ["pattern.m2m-add"]
    assert rows[0]["native_since"] == {"postgresql": None, "sqlite": None}
    assert rows[0]["alternatives"][0]["native_since"] == {
        "postgresql": SINCE_42,
        "sqlite": SINCE_42,
    }


def test_the_shipped_claims_file_loads_with_anchor_sections():
    """Sections are heading anchors (lower case, no spaces), like the features' ``ref``."""
    data = load()
    sections = {claim["section"] for claim in data["claim"]}
    assert data["claim"], "claims.toml has no claims"
    assert all(section == section.lower() and " " not in section for section in sections)


HEAD = '[[claim]]\nid = "a"\nquote = "q"\nclaim = "c"\n'


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '[[claim]]\nid = "a"\nsection = "s"\nquote = "q"\nclaim = "c"\nasserts = "maybe"',
            "asserts",
        ),
        (
            '[[claim]]\nid = "a"\nsection = "s"\nquote = "q"\nclaim = "c"\nasserts = "untestable"',
            "why",
        ),
        (
            '[[claim]]\nid = "a"\nsection = "s"\nquote = "q"\nclaim = "c"\nasserts = "native"',
            "feature",
        ),
        ('[[claim]]\nid = "a"\nquote = "q"\nclaim = "c"\nasserts = "native"', "section"),
    ],
)
def test_malformed_claims_are_rejected_with_the_problem_named(text, problem):
    with pytest.raises(ValueError, match=problem):
        load(text)


def test_every_feature_a_claim_names_is_in_the_vocabulary():
    """Claims own the link to their features; a typo there would silently decide nothing."""
    named = {feature for claim in load()["claim"] for feature in claim.get("features", [])}
    named |= {alternative["feature"] for alternative in load()["alternative"]}
    unknown = sorted(feature for feature in named if describe_feature(feature) is None)
    assert named
    assert unknown == []
