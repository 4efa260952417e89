"""Merging results files: every cell shows, and "not measured" never reads as "absent"."""

from __future__ import annotations

import pytest

from conformance.matrix import cells
from conformance.report.merge import merge, since
from conformance.results import write_results
from tests.session_data import session

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


def test_every_matrix_cell_appears_even_with_no_results(sessions_dir):
    merged = merge(sessions_dir)
    assert [cell["id"] for cell in merged["cells"]] == [cell.id for cell in cells()]
    assert {cell["state"] for cell in merged["cells"]} == {"not-run"}


def test_a_cell_without_results_is_not_run_never_absent(sessions_dir):
    _write(sessions_dir, session("django-5.2-sqlite", {"queryset.aget": "absent"}))
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


def test_since_restarts_after_a_regression():
    found = _since_of({"4.1": "native", "4.2": "diverges", "5.0": "native"})
    assert found == {"series": "5.0", "floor": False}


def test_since_is_none_when_the_newest_release_is_not_native():
    assert _since_of({"4.1": "native", "4.2": "needs-sync-to-async"}) is None


def test_since_ignores_cells_that_were_not_measured():
    found = _since_of({"4.1": "absent", "4.2": "not-run", "5.0": "native"})
    assert found == {"series": "5.0", "floor": False}
