"""Merging results files: every cell shows, "not measured" never reads as "absent", and every
divergence is listed with the smallest call that shows it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from conformance.report.merge import MergedSchemaError, merge, since, validate_merged
from conformance.results import not_run_results, write_results
from tests.session_data import (
    ADD_ON_COLUMN,
    ADD_ON_FEATURE,
    observation,
    session,
    write_add_on_matrix,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads(files("conformance.report").joinpath("merged-schema.json").read_text("utf-8"))

# A feature of the data files: it has a row even where no session measured it.
LISTED = "pattern.lazy-forward-fk"


@pytest.fixture
def sessions_dir(tmp_path):
    directory = tmp_path / "sessions"
    directory.mkdir()
    return directory


def _write(directory, document):
    write_results(directory / f"{document['cell']['id']}.json", document)


def _cell(merged, feature_id, cell_id):
    feature = next(f for f in merged["features"] if f["id"] == feature_id)
    return feature["cells"][cell_id]


def test_the_cells_are_those_of_the_results_files_in_matrix_order(sessions_dir):
    for cell_id in ("django-5.2-postgresql", "django-4.2-sqlite", "django-5.2-sqlite"):
        _write(sessions_dir, session(cell_id, {"queryset.aget": "native"}))
    merged = merge(sessions_dir)
    assert [cell["id"] for cell in merged["cells"]] == [
        "django-4.2-sqlite",
        "django-5.2-sqlite",
        "django-5.2-postgresql",
    ]


def test_a_session_that_did_not_run_is_not_run_never_absent(sessions_dir):
    _write(sessions_dir, session("django-5.2-sqlite", {"queryset.aget": "absent"}))
    cell = {"id": "django-5.2-postgresql", "django_series": "5.2", "backend": "postgresql"}
    _write(sessions_dir, not_run_results(cell, "the session failed before its suite started"))
    merged = merge(sessions_dir)
    assert _cell(merged, "queryset.aget", "django-5.2-sqlite")["verdict"] == "absent"
    assert _cell(merged, "queryset.aget", "django-5.2-postgresql")["verdict"] == "not-run"


def test_an_errored_session_marks_its_features_error_with_the_reason(sessions_dir):
    document = session("django-5.2-postgresql", {}, status="error")
    document["error"] = "cannot reach PostgreSQL at postgresql://postgres:***@127.0.0.1:1/x"
    _write(sessions_dir, document)
    merged = merge(sessions_dir)
    found = _cell(merged, LISTED, "django-5.2-postgresql")
    assert found["verdict"] == "error"
    assert "cannot reach PostgreSQL" in found["notes"][0]


def test_a_corrupt_file_marks_its_cell_invalid_and_is_listed(sessions_dir):
    (sessions_dir / "django-6.0-sqlite.json").write_text('{"schema_version": 1, "cel')
    merged = merge(sessions_dir)
    cell = next(c for c in merged["cells"] if c["id"] == "django-6.0-sqlite")
    assert cell["state"] == "invalid"
    assert _cell(merged, LISTED, "django-6.0-sqlite")["verdict"] == "error"
    assert merged["problems"]
    assert "django-6.0-sqlite" in merged["problems"][0]


def test_an_incomplete_session_is_an_error_not_a_result(sessions_dir):
    _write(
        sessions_dir,
        session("django-4.2-sqlite", {"queryset.aget": "native"}, status="incomplete"),
    )
    merged = merge(sessions_dir)
    assert _cell(merged, "queryset.aget", "django-4.2-sqlite")["verdict"] == "error"


def test_a_feature_only_one_session_knows_is_not_run_elsewhere(sessions_dir):
    _write(sessions_dir, session("django-6.1-sqlite", {"queryset.abrand_new": "native"}))
    _write(sessions_dir, session("django-6.0-sqlite", {"queryset.aget": "native"}))
    merged = merge(sessions_dir)
    assert _cell(merged, "queryset.abrand_new", "django-6.1-sqlite")["verdict"] == "native"
    assert _cell(merged, "queryset.abrand_new", "django-6.0-sqlite")["verdict"] == "not-run"


def _with_surface(document, members):
    document["surface"] = {"members": members, "protocols": {}, "untested": []}
    return document


def test_a_member_the_session_looked_for_and_did_not_find_is_absent(sessions_dir):
    _write(sessions_dir, session("django-6.1-sqlite", {"queryset.abrand_new": "native"}))
    older = session("django-6.0-sqlite", {"queryset.aget": "native"})
    _write(sessions_dir, _with_surface(older, ["queryset.aget"]))
    merged = merge(sessions_dir)
    found = _cell(merged, "queryset.abrand_new", "django-6.0-sqlite")
    assert found["verdict"] == "absent"
    assert "introspection" in found["notes"][0]


def test_a_member_a_narrow_run_found_but_did_not_check_is_not_run(sessions_dir):
    _write(sessions_dir, session("django-6.1-sqlite", {"queryset.abrand_new": "native"}))
    narrow = session("django-6.0-sqlite", {"queryset.aget": "native"})
    _write(sessions_dir, _with_surface(narrow, ["queryset.aget", "queryset.abrand_new"]))
    merged = merge(sessions_dir)
    assert _cell(merged, "queryset.abrand_new", "django-6.0-sqlite")["verdict"] == "not-run"


def _since_of(verdicts):
    cell_list = [
        {"id": f"django-{series}-sqlite", "django_series": series, "backend": "sqlite"}
        for series in verdicts
    ]
    feature_cells = {
        f"django-{series}-sqlite": {"verdict": verdict} for series, verdict in verdicts.items()
    }
    return since(feature_cells, cell_list, "sqlite")


def test_since_is_the_first_release_that_stays_native():
    found = _since_of({"4.1": "absent", "4.2": "absent", "5.0": "native", "5.1": "native"})
    assert found == {"series": "5.0", "floor": False}


def test_since_is_a_floor_when_the_oldest_release_is_native():
    assert _since_of({"4.1": "native", "4.2": "native"}) == {"series": "4.1", "floor": True}


def test_since_is_a_floor_at_the_oldest_release_of_its_own_backend():
    # An add-on made for 6.1 alone: native there is "6.1 or earlier", though stock has 4.1.
    cell_list = [
        {"id": "django-4.1-sqlite", "django_series": "4.1", "backend": "sqlite"},
        {"id": "django-6.1-sqlite", "django_series": "6.1", "backend": "sqlite"},
        {"id": "django-6.1-async-backend", "django_series": "6.1", "backend": "async-backend"},
    ]
    feature_cells = {
        "django-4.1-sqlite": {"verdict": "absent"},
        "django-6.1-sqlite": {"verdict": "native"},
        "django-6.1-async-backend": {"verdict": "native"},
    }
    assert since(feature_cells, cell_list, "async-backend") == {"series": "6.1", "floor": True}
    assert since(feature_cells, cell_list, "sqlite") == {"series": "6.1", "floor": False}


def test_since_restarts_after_a_regression():
    found = _since_of({"4.1": "native", "4.2": "diverges", "5.0": "native"})
    assert found == {"series": "5.0", "floor": False}


def test_since_is_none_when_the_newest_release_is_not_native():
    assert _since_of({"4.1": "native", "4.2": "needs-sync-to-async"}) is None


def test_since_ignores_cells_that_were_not_measured():
    found = _since_of({"4.1": "absent", "4.2": "not-run", "5.0": "native"})
    assert found == {"series": "5.0", "floor": False}


# --- divergences and surface coverage -----------------------------------------------------

DIVERGING = "queryset.aiterator"
SHORT = "Article.objects.aiterator(chunk_size=0)  # chunk_size=0"
LONG = "Article.objects.filter(pk=1).aiterator(chunk_size=None)  # chunk_size=None"


def _diverging(cell_id, example, calls, *, feature=DIVERGING, note="raised differently"):
    """A session whose one check of ``feature`` diverges with ``example`` as its evidence."""
    document = session(cell_id, {feature: "diverges"})
    check = document["checks"][0]
    check["evidence"] |= {
        "example": example,
        "observed": observation(f"async of {example}"),
        "sync_twin": observation(f"sync of {example}"),
        "diverging_calls": calls,
    }
    check["notes"] = [note]
    return document


def _divergence(merged, feature_id=DIVERGING):
    return next(d for d in merged["divergences"] if d["feature"] == feature_id)


def test_a_diverging_feature_is_listed_with_its_first_and_last_release(sessions_dir):
    _write(sessions_dir, session("django-4.2-sqlite", {DIVERGING: "native"}))
    for cell_id in ("django-6.0-sqlite", "django-5.0-sqlite", "django-5.2-postgresql"):
        _write(sessions_dir, _diverging(cell_id, LONG, [LONG]))
    found = _divergence(merge(sessions_dir))
    assert (found["first"], found["last"], found["by_backend"], found["cells"]) == (
        "5.0",
        "6.0",
        {"sqlite": {"first": "5.0", "last": "6.0"}, "postgresql": {"first": "5.2", "last": "5.2"}},
        ["django-5.0-sqlite", "django-5.2-postgresql", "django-6.0-sqlite"],
    )


def test_the_minimal_call_is_the_shortest_example_across_cells(sessions_dir):
    _write(sessions_dir, _diverging("django-5.0-sqlite", LONG, [LONG], note="long one"))
    _write(sessions_dir, _diverging("django-6.0-sqlite", SHORT, [SHORT], note="short one"))
    found = _divergence(merge(sessions_dir))
    assert (found["example"], found["example_cell"], found["reason"]) == (
        SHORT,
        "django-6.0-sqlite",
        "short one",
    )
    assert (found["observed"]["repr"], found["sync_twin"]["repr"]) == (
        f"async of {SHORT}",
        f"sync of {SHORT}",
    )


def test_the_diverging_calls_of_every_cell_are_merged_once_each_and_capped(sessions_dir):
    many = [f"{LONG}, receiver {n}" for n in range(30)]
    _write(sessions_dir, _diverging("django-5.0-sqlite", LONG, [LONG, SHORT]))
    _write(sessions_dir, _diverging("django-6.0-sqlite", SHORT, [SHORT, *many]))
    calls = _divergence(merge(sessions_dir))["diverging_calls"]
    # the smallest calls survive the cap, shortest first
    assert (len(calls), len(set(calls)), calls[:2]) == (20, 20, [SHORT, LONG])


def test_a_divergence_in_a_session_that_did_not_complete_is_not_listed(sessions_dir):
    document = _diverging("django-5.0-sqlite", SHORT, [SHORT])
    document["status"] = "incomplete"
    _write(sessions_dir, document)
    assert merge(sessions_dir)["divergences"] == []


def test_divergences_are_in_area_order_then_by_id(sessions_dir):
    hook = "hooks.custom-manager.queryset.acreate"
    document = _diverging("django-6.0-sqlite", SHORT, [SHORT])
    for feature in (hook, "queryset.acount"):
        other = _diverging("django-6.0-sqlite", SHORT, [SHORT], feature=feature)
        document["checks"] += other["checks"]
        document["features"] |= other["features"]
    _write(sessions_dir, document)
    found = [(d["feature"], d["area"]) for d in merge(sessions_dir)["divergences"]]
    assert found == [
        ("queryset.acount", "aggregation"),
        (DIVERGING, "iteration"),
        (hook, "extensions"),
    ]


def test_each_cell_keeps_a_compact_surface_coverage_summary(sessions_dir):
    document = session("django-6.0-sqlite", {DIVERGING: "native"})
    document["surface"] = {"members": [DIVERGING], "protocols": {}, "untested": []}
    document["checks"][0]["evidence"] |= {
        "tried": {"calls": 24, "varied": ["chunk_size", "receiver: raw"]},
        "signature": {"async": "(a)", "sync": "(b)", "differences": ["'a' is async only"]},
    }
    _write(sessions_dir, document)
    cell = next(c for c in merge(sessions_dir)["cells"] if c["id"] == "django-6.0-sqlite")
    assert cell["surface"]["tried"] == {
        DIVERGING: {
            "calls": 24,
            "varied": ["chunk_size", "receiver: raw"],
            "differences": ["'a' is async only"],
        }
    }


def test_a_merge_with_divergences_and_surface_follows_the_merged_schema(sessions_dir):
    document = _diverging("django-6.0-sqlite", SHORT, [SHORT])
    document["surface"] = {"members": [DIVERGING], "protocols": {}, "untested": []}
    document["checks"][0]["evidence"]["tried"] = {"calls": 3, "varied": ["as seeded"]}
    _write(sessions_dir, document)
    jsonschema.validate(merge(sessions_dir), SCHEMA)


def test_a_merged_document_that_breaks_its_schema_is_refused_naming_where(sessions_dir):
    _write(sessions_dir, session("django-5.2-sqlite", {"queryset.aget": "native"}))
    merged = merge(sessions_dir)
    merged["cells"][0]["state"] = "finished"
    with pytest.raises(MergedSchemaError, match=r"schema at cells/0/state: 'finished' is not one"):
        validate_merged(merged)


def test_a_refused_merged_document_says_it_is_the_kits_bug_to_report(sessions_dir):
    _write(sessions_dir, session("django-5.2-sqlite", {"queryset.aget": "native"}))
    merged = merge(sessions_dir)
    del merged["features"]
    with pytest.raises(MergedSchemaError, match=r"Fix: this is a bug in the kit's merge"):
        validate_merged(merged)


def test_a_cell_carries_its_column_from_its_results_file(sessions_dir):
    write_add_on_matrix(sessions_dir)
    cells = {cell["id"]: cell["column"] for cell in merge(sessions_dir)["cells"]}
    assert cells["django-6.1-async-backend"] == ADD_ON_COLUMN
    assert cells["django-6.1-postgresql"]["stock"] is True


def test_an_add_on_column_comes_after_the_stock_columns_of_its_release(sessions_dir):
    write_add_on_matrix(sessions_dir)
    assert [cell["backend"] for cell in merge(sessions_dir)["cells"]] == [
        "sqlite",
        "postgresql",
        "async-backend",
    ]


def test_a_feature_only_an_add_on_has_names_its_add_on(sessions_dir):
    write_add_on_matrix(sessions_dir)
    features = {feature["id"]: feature for feature in merge(sessions_dir)["features"]}
    assert features[ADD_ON_FEATURE]["add_on"] == ["async-backend"]
    assert features["queryset.aget"]["add_on"] == []


def test_a_feature_only_an_add_on_measured_is_its_own_even_when_absent_there(sessions_dir):
    # The add-on's own API that its column looked for and did not find; every stock session
    # skipped it as not its column's: it exists only with the add-on, never as stock Django's.
    own = "async-backend.queryset.aiterator"
    for cell_id in ("django-6.1-sqlite", "django-6.1-postgresql"):
        _write(sessions_dir, session(cell_id, {"queryset.aget": "native", own: "skipped"}))
    add_on = session("django-6.1-async-backend", {"queryset.aget": "native", own: "absent"})
    add_on["cell"]["column"] = ADD_ON_COLUMN
    _write(sessions_dir, add_on)
    features = {feature["id"]: feature for feature in merge(sessions_dir)["features"]}
    assert features[own]["add_on"] == ["async-backend"]
    assert features["queryset.aget"]["add_on"] == []


def test_a_feature_stock_cells_found_absent_and_the_add_on_too_is_not_an_add_ons(sessions_dir):
    # Measured absent everywhere: a stock API none of these releases has, not the add-on's.
    feature = "queryset.aiterator"
    for cell_id in ("django-6.1-sqlite", "django-6.1-postgresql"):
        _write(sessions_dir, session(cell_id, {feature: "absent"}))
    add_on = session("django-6.1-async-backend", {feature: "absent"})
    add_on["cell"]["column"] = ADD_ON_COLUMN
    _write(sessions_dir, add_on)
    found = next(f for f in merge(sessions_dir)["features"] if f["id"] == feature)
    assert found["add_on"] == []


def test_a_stock_backend_has_no_since_for_an_add_on_feature(sessions_dir):
    write_add_on_matrix(sessions_dir)
    feature = next(f for f in merge(sessions_dir)["features"] if f["id"] == ADD_ON_FEATURE)
    assert feature["since"]["postgresql"] is None
    assert feature["since"]["async-backend"] == {"series": "6.1", "floor": True}


def _report_bytes(reports, environment) -> dict[str, bytes]:
    """The three outputs of ``python -m conformance.report``, run in a fresh interpreter."""
    run = subprocess.run(
        [sys.executable, "-m", "conformance.report", "--reports", str(reports)],
        env={**os.environ, **environment}, cwd=ROOT, capture_output=True, text=True,
        check=False, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return {name: (reports / name).read_bytes() for name in OUTPUTS}


OUTPUTS = ("results.json", "index.html", "summary.md")


def test_the_same_files_merge_to_the_same_bytes_under_any_backends_file(tmp_path):
    write_add_on_matrix(tmp_path / "sessions")
    first = _report_bytes(tmp_path, {"CONFORMANCE_BACKENDS": ""})
    own = tmp_path / "my-backends.toml"
    own.write_text('[backend.mine]\nlabel = "Mine"\nserver = "postgresql"\nreleases = ["6.1"]\n')
    second = _report_bytes(tmp_path, {"CONFORMANCE_BACKENDS": str(own)})
    assert first == second


def test_the_report_step_imports_neither_the_matrix_nor_the_runner():
    probe = (
        "import sys, conformance.report.__main__; "
        "print(sorted(m for m in sys.modules if m.startswith(('conformance.matrix', "
        "'conformance.runner', 'django'))))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
        timeout=120,
    )  # fmt: skip
    assert run.stdout.strip() == "[]"
