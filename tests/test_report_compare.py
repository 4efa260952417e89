"""Comparing a merged report with an earlier one, and refusing baselines that are not one."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from conformance.report.compare import (
    CHANGE_KINDS,
    BaselineError,
    by_kind,
    change_kind,
    compare,
    load_baseline,
)
from tests.report_data import cell_id, crafted


def _with_verdict(feature_id: str, cell: str, verdict: str) -> dict:
    """The crafted report with one cell's verdict replaced."""
    document = crafted()
    feature = next(f for f in document["features"] if f["id"] == feature_id)
    feature["cells"][cell]["verdict"] = verdict
    return document


def test_identical_reports_have_no_changes() -> None:
    assert compare(crafted(), crafted(), source="old.json")["changed"] == []


def test_a_changed_verdict_is_listed_with_its_old_and_new_verdicts() -> None:
    old = _with_verdict("queryset.aget", cell_id("5.2", "sqlite"), "absent")
    changed = compare(old, crafted(), source="old.json")["changed"]
    assert changed == [
        {
            "feature": "queryset.aget",
            "cell": "django-5.2-sqlite",
            "old": "absent",
            "new": "native",
            "kind": "new-api",
        }
    ]


def test_changes_follow_the_current_matrix_order() -> None:
    old = _with_verdict("queryset.aget", cell_id("5.2", "sqlite"), "absent")
    old["features"][0]["cells"][cell_id("4.1", "sqlite")]["verdict"] = "absent"
    cells = [change["cell"] for change in compare(old, crafted(), source="old.json")["changed"]]
    assert cells == ["django-4.1-sqlite", "django-5.2-sqlite"]


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        pytest.param("native", "needs-sync-to-async", "regression", id="native-to-wrapped"),
        pytest.param("native", "absent", "regression", id="native-to-absent"),
        pytest.param("native", "diverges", "regression", id="native-to-diverges"),
        pytest.param("absent", "native", "new-api", id="absent-to-native"),
        pytest.param("absent", "needs-sync-to-async", "new-api", id="absent-to-wrapped"),
        pytest.param("needs-sync-to-async", "native", "fix", id="wrapped-to-native"),
        pytest.param("diverges", "native", "fix", id="diverges-to-native"),
        pytest.param("needs-sync-to-async", "diverges", "new-divergence", id="to-diverges"),
        pytest.param("diverges", "unsupported", "other", id="diverges-to-unsupported"),
        pytest.param("native", "error", "other", id="native-to-error-is-not-measured"),
        pytest.param("not-run", "native", "other", id="not-run-to-native"),
        pytest.param("skipped", "absent", "other", id="skipped-to-absent"),
    ],
)
def test_change_kind_classifies_a_verdict_change(old: str, new: str, kind: str) -> None:
    assert change_kind(old, new) == kind


def test_change_kinds_are_worse_better_or_neither() -> None:
    improvements = {kind: meaning["improvement"] for kind, meaning in CHANGE_KINDS.items()}
    assert improvements == {
        "regression": False,
        "new-api": True,
        "arrives-diverging": False,
        "fix": True,
        "new-divergence": False,
        "other": None,
    }


def test_by_kind_puts_regressions_first_and_keeps_the_order_within_a_kind() -> None:
    changes = [
        {"feature": "a", "old": "absent", "new": "native"},
        {"feature": "b", "old": "native", "new": "absent"},
        {"feature": "c", "old": "absent", "new": "native"},
        {"feature": "d", "old": "native", "new": "diverges"},
    ]
    assert [change["feature"] for change in by_kind(changes)] == ["b", "d", "a", "c"]


def test_a_baseline_comparison_lists_regressions_before_improvements() -> None:
    old = _with_verdict("queryset.aget", cell_id("5.2", "sqlite"), "absent")
    new = _with_verdict("queryset.abulk_create", cell_id("5.2", "sqlite"), "needs-sync-to-async")
    changed = compare(old, new, source="old.json")["changed"]
    assert [(c["feature"], c["kind"]) for c in changed] == [
        ("queryset.abulk_create", "regression"),
        ("queryset.aget", "new-api"),
    ]


def test_a_new_feature_is_listed_once_instead_of_per_cell() -> None:
    old = crafted()
    old["features"] = [f for f in old["features"] if f["id"] != "mystery.thing"]
    result = compare(old, crafted(), source="old.json")
    assert (result["added_features"], result["changed"]) == (["mystery.thing"], [])


def test_a_feature_gone_since_the_baseline_is_listed() -> None:
    current = crafted()
    current["features"] = [f for f in current["features"] if f["id"] != "queryset.aget"]
    assert compare(crafted(), current, source="old.json")["removed_features"] == ["queryset.aget"]


def test_a_new_cell_is_listed_instead_of_as_changes() -> None:
    old = crafted()
    gone = cell_id("5.2", "postgresql")
    old["cells"] = [cell for cell in old["cells"] if cell["id"] != gone]
    for feature in old["features"]:
        del feature["cells"][gone]
    result = compare(old, crafted(), source="old.json")
    assert (result["added_cells"], result["changed"]) == ([gone], [])


def test_the_comparison_names_its_baseline() -> None:
    baseline = compare(crafted(), crafted(), source="old.json")["baseline"]
    assert baseline == {"source": "old.json", "generated_at": "2026-11-24T15:00:00+00:00"}


def test_compare_does_not_modify_its_inputs() -> None:
    old, new = crafted(), crafted()
    before = copy.deepcopy((old, new))
    compare(old, new, source="old.json")
    assert (old, new) == before


def test_load_baseline_reads_a_merged_report(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(crafted()), encoding="utf-8")
    assert load_baseline(path)["features"][0]["id"] == "queryset.aget"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param("{not json", "not JSON", id="not-json"),
        pytest.param("[1, 2]", "JSON list", id="a-list"),
        pytest.param('{"cells": []}', "no 'features' list", id="no-features"),
        pytest.param(
            '{"cell": {"id": "x"}, "checks": [], "features": {}}',
            "one session's results file",
            id="a-session-file",
        ),
        pytest.param(
            '{"cells": [], "features": [{"id": "f", "cells": {"c": {}}}]}',
            "no verdict per cell",
            id="no-verdicts",
        ),
    ],
)
def test_load_baseline_refuses_a_bad_file_naming_it_the_problem_and_the_fix(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "old.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(BaselineError) as raised:
        load_baseline(path)
    assert (str(path), problem, "Fix:") == tuple(
        part if part in str(raised.value) else f"missing: {part}"
        for part in (str(path), problem, "Fix:")
    )
