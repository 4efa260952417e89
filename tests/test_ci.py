"""New Django releases are noticed, and expectations turn a changed verdict into a failure."""

from __future__ import annotations

import json

import pytest

from conformance.ci import feature_releases, unknown_releases
from conformance.report.expectations import ExpectationsError, changes, main, record
from conformance.report.merge import merge
from conformance.results import write_results
from conformance.verdicts import Difference
from tests.session_data import session


def test_feature_releases_ignore_patches_and_prereleases():
    versions = ["4.0.10", "4.1", "4.1.13", "5.2.19", "6.2a1", "6.2rc1", "not-a-version"]
    assert feature_releases(versions) == ["4.1", "5.2"]


def test_a_feature_release_the_matrix_lacks_is_reported():
    assert unknown_releases(["6.1.3", "6.2", "6.2.1", "7.0"]) == ["6.2", "7.0"]


def test_known_releases_are_not_reported():
    assert unknown_releases(["4.1.13", "6.1.3"]) == []


def _merged(tmp_path, verdict="native"):
    directory = tmp_path / "sessions"
    directory.mkdir(exist_ok=True)
    write_results(
        directory / "django-5.2-sqlite.json",
        session("django-5.2-sqlite", {"queryset.aget": verdict, "queryset.acount": "native"}),
    )
    return merge(directory)


def test_recorded_expectations_match_the_run_they_come_from(tmp_path):
    merged = _merged(tmp_path)
    assert changes(record(merged), merged) == []


def test_a_feature_native_everywhere_is_not_listed(tmp_path):
    recorded = record(_merged(tmp_path, verdict="absent"))
    assert recorded["features"] == {"queryset.aget": {"default": "absent"}}


def test_a_changed_verdict_names_its_cell_old_and_new(tmp_path):
    expected = record(_merged(tmp_path))
    found = changes(expected, _merged(tmp_path, verdict="needs-sync-to-async"))
    assert found == [
        Difference("django-5.2-sqlite", "queryset.aget", ("native", "needs-sync-to-async"))
    ]


def test_a_known_intermittent_accepts_each_of_its_verdicts(tmp_path):
    expected = record(_merged(tmp_path))
    expected["features"]["queryset.aget"] = {"5.2": ["native", "needs-sync-to-async"]}
    assert changes(expected, _merged(tmp_path, verdict="needs-sync-to-async")) == []
    assert changes(expected, _merged(tmp_path, verdict="native")) == []
    assert changes(expected, _merged(tmp_path, verdict="absent")) != []


def test_reasons_and_intermittents_survive_recording(tmp_path):
    previous = record(_merged(tmp_path))
    previous["features"]["queryset.aget"] = {"5.2": ["native", "absent"], "reason": "ticket"}
    recorded = record(_merged(tmp_path), previous)
    assert recorded["features"]["queryset.aget"] == {
        "default": ["native", "absent"],
        "reason": "ticket",
    }


def test_cells_that_did_not_run_are_not_changes(tmp_path):
    merged = _merged(tmp_path)
    expected = record(merged)
    expected["cells"]["django-6.1-postgresql"] = "6.1.3"
    expected["features"]["queryset.aget"] = {"6.1-postgresql": "absent"}
    assert changes(expected, merged) == []


def test_recording_one_cell_keeps_the_others(tmp_path):
    previous = {"cells": {"django-6.1-postgresql": "6.1.3"}, "features": {}}
    recorded = record(_merged(tmp_path), previous)
    assert set(recorded["cells"]) == {"django-5.2-sqlite", "django-6.1-postgresql"}


def test_recorded_cells_are_ordered_by_what_they_are_not_by_the_backends_file(tmp_path):
    # ``cockroach`` is in no backends file: the order still puts it after its release's stock cells
    cells = ["django-6.1-sqlite", "django-4.1-cockroach", "django-4.1-mariadb", "django-4.1-sqlite"]
    previous = {"cells": dict.fromkeys(cells, "x"), "features": {}}
    recorded = record(_merged(tmp_path), previous)
    assert list(recorded["cells"]) == [
        "django-4.1-sqlite", "django-4.1-mariadb", "django-4.1-cockroach",
        "django-5.2-sqlite", "django-6.1-sqlite",
    ]  # fmt: skip


def test_editing_one_expected_verdict_fails_the_check_naming_that_cell(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_merged(tmp_path)))
    expectations = tmp_path / "expectations.toml"
    args = ["--results", str(results), "--expectations", str(expectations)]
    assert main(["record", *args]) == 0
    edited = expectations.read_text() + '\n[features."queryset.aget"]\n"5.2" = "absent"\n'
    expectations.write_text(edited)
    assert main(["check", *args]) == 1
    out = capsys.readouterr().out
    assert "django-5.2-sqlite: queryset.aget was absent, now native" in out


def test_a_missing_expectations_file_names_the_command_that_makes_it(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_merged(tmp_path)))
    code = main(["check", "--results", str(results), "--expectations", str(tmp_path / "no.toml")])
    assert code == 2
    assert "nox -s expectations" in capsys.readouterr().err


def test_an_error_verdict_is_not_recorded_without_a_reason(tmp_path):
    with pytest.raises(ExpectationsError, match=r"without a reason: queryset\.aget"):
        record(_merged(tmp_path, verdict="error"))


def test_an_error_verdict_is_recorded_with_its_reason(tmp_path):
    recorded = record(_merged(tmp_path, verdict="error"), reasons={"queryset.aget": "ticket 1"})
    assert recorded["features"]["queryset.aget"] == {"default": "error", "reason": "ticket 1"}


def test_recording_an_unexplained_error_names_the_command_that_explains_it(tmp_path, capsys):
    results = tmp_path / "results.json"
    results.write_text(json.dumps(_merged(tmp_path, verdict="error")))
    expectations = tmp_path / "expectations.toml"
    args = ["record", "--results", str(results), "--expectations", str(expectations)]
    assert main(args) == 2
    assert '--reason queryset.aget="..."' in capsys.readouterr().err
    assert not expectations.exists()
    assert main([*args, "--reason", "queryset.aget=the driver hangs"]) == 0
