"""The results file: schema checked on write and on read, written atomically."""

from __future__ import annotations

import json

import pytest

from conformance.results import ResultsFileError, read_results, write_results
from tests.session_data import session


def test_a_valid_session_round_trips(tmp_path):
    path = tmp_path / "django-5.2-sqlite.json"
    document = session("django-5.2-sqlite", {"queryset.aget": "native"})
    write_results(path, document)
    assert read_results(path) == document


def test_a_truncated_file_is_named_with_the_fix(tmp_path):
    path = tmp_path / "django-5.2-sqlite.json"
    write_results(path, session("django-5.2-sqlite", {"queryset.aget": "native"}))
    path.write_text(path.read_text()[:100])
    with pytest.raises(ResultsFileError, match=r"not JSON.*truncated.*re-run"):
        read_results(path)


def test_an_unknown_schema_version_is_refused(tmp_path):
    path = tmp_path / "x.json"
    document = session("django-5.2-sqlite", {}) | {"schema_version": 99}
    path.write_text(json.dumps(document))
    with pytest.raises(ResultsFileError, match="schema version 99"):
        read_results(path)


def test_an_unknown_verdict_is_refused_on_write(tmp_path):
    document = session("django-5.2-sqlite", {"queryset.aget": "probably"})
    with pytest.raises(ResultsFileError, match="is not one of"):
        write_results(tmp_path / "x.json", document)
    assert not (tmp_path / "x.json").exists()


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path):
    path = tmp_path / "django-5.2-sqlite.json"
    previous = session("django-5.2-sqlite", {"queryset.aget": "native"})
    write_results(path, previous)
    broken = session("django-5.2-sqlite", {"queryset.aget": "native"})
    broken["environment"]["platform"] = "Linux"
    broken["checks"][0]["evidence"]["measurements"] = {"not json": object()}
    with pytest.raises(TypeError):
        write_results(path, broken)
    assert read_results(path) == previous
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_missing_file_is_an_error_that_names_it(tmp_path):
    with pytest.raises(ResultsFileError, match=r"missing\.json: cannot be read"):
        read_results(tmp_path / "missing.json")
