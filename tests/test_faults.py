"""Faults caused for real: the kit names the problem and the fix, and never half-writes.

Each test breaks something (a signal, a server that stops, a user without rights, a folder in
the way, a missing Python) around a real run of the plugin or the report.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conformance.provision import postgresql
from conformance.runner.database import remove_sqlite_files
from tests.conftest import ROOT, run_suite_in

pytestmark = pytest.mark.slow  # signals, real servers, whole suite runs
UV = [shutil.which("uv") or "uv"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A throwaway PostgreSQL server of the tests' own, which a test may stop."""
    directory = tmp_path_factory.mktemp("pg")
    info = postgresql.start_server(directory, UV)
    yield {"url": info["url"], "directory": directory}
    postgresql.stop_server(directory)


def _sql(url: str, statement: str) -> None:
    import psycopg

    host = url.split("@", 1)[1].rsplit("/", 1)[0]
    from urllib.parse import unquote

    with psycopg.connect(host=unquote(host), user="postgres", dbname="postgres") as conn:
        conn.autocommit = True
        conn.execute(statement)


SLOW_CHECKS = textwrap.dedent(
    """
    import os, pathlib, time
    import pytest
    from conformance.runner.probe import Outcome
    from conformance.verdicts import Verdict
    from testapp.models import Tag

    EVIDENCE = {"snippet": "x", "observed": {"kind": "value", "repr": "1"}}

    @pytest.mark.conformance(feature="queryset.aget")
    def test_first(conformance, db):
        Tag.objects.create(name="first")
        pathlib.Path(os.environ["MARKER"]).write_text("started")
        time.sleep(float(os.environ.get("PAUSE", "4")))
        conformance.record(Outcome(Verdict.NATIVE, EVIDENCE))

    @pytest.mark.conformance(feature="queryset.acount")
    def test_second(conformance, db):
        assert Tag.objects.count() == 0
        conformance.record(Outcome(Verdict.NATIVE, EVIDENCE))
    """
)


def _suffix(directory: Path) -> str:
    return f"faults_{directory.name}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _no_database_file_left(tmp_path):
    """The sessions these tests stop leave their SQLite test database file behind."""
    yield
    remove_sqlite_files(_suffix(tmp_path))


def _start(directory: Path, *, backend: str = "sqlite", env: dict[str, str] | None = None):
    """The suite in the background, as nox would run it, with a marker the first check writes."""
    (directory / "test_slow.py").write_text(SLOW_CHECKS)
    marker = directory / "marker"
    process = subprocess.Popen(
        [
            sys.executable, "-m", "pytest", "test_slow.py", "-p", "conformance.runner.plugin",
            "-p", "no:cacheprovider", f"--conformance-results={directory / 'results.json'}",
            "--conformance-cell=django-6.1-" + backend, f"--rootdir={directory}", "-q",
        ],
        cwd=directory,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "testapp.settings",
            "CONFORMANCE_BACKEND": backend,
            "CONFORMANCE_DB_SUFFIX": _suffix(directory),
            "MARKER": str(marker),
            **(env or {}),
        },
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate(timeout=60)[0]
        assert time.monotonic() < deadline, "the first check never started"
        time.sleep(0.1)
    return process


def _results(directory: Path) -> dict:
    return json.loads((directory / "results.json").read_text())


def test_sigterm_mid_session_leaves_an_error_file_that_says_interrupted(tmp_path):
    process = _start(tmp_path, env={"PAUSE": "30"})
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode != 0
    results = _results(tmp_path)
    assert results["status"] == "error"
    assert "interrupted" in results["error"]


def test_a_killed_session_leaves_the_incomplete_placeholder_not_half_a_file(tmp_path):
    process = _start(tmp_path, env={"PAUSE": "30"})
    process.kill()
    process.communicate(timeout=60)
    results = _results(tmp_path)
    assert results["status"] == "incomplete"
    assert results["error"] == "the session stopped before the suite finished"


def test_a_server_that_stops_mid_session_ends_it_with_the_reason(tmp_path_factory):
    directory = tmp_path_factory.mktemp("stopping")
    url = postgresql.start_server(directory / "pg", UV)["url"]
    process = _start(directory, backend="postgresql", env={"CONFORMANCE_DATABASE_URL": url})
    postgresql.stop_server(directory / "pg")
    process.communicate(timeout=120)
    assert process.returncode != 0
    results = _results(directory)
    assert results["status"] == "error"
    assert results["error"].startswith("PostgreSQL stopped answering at postgresql://")
    assert "Fix:" in results["error"]


def test_two_overlapping_runs_on_one_server_do_not_share_a_database(tmp_path_factory, server):
    first_dir, second_dir = tmp_path_factory.mktemp("one"), tmp_path_factory.mktemp("two")
    env = {"CONFORMANCE_DATABASE_URL": server["url"], "PAUSE": "2"}
    first = _start(first_dir, backend="postgresql", env=env)
    second = _start(second_dir, backend="postgresql", env=env)
    outputs = [first.communicate(timeout=120)[0], second.communicate(timeout=120)[0]]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert [_results(d)["status"] for d in (first_dir, second_dir)] == ["complete", "complete"]


def test_a_user_that_does_not_exist_is_named(tmp_path, server):
    url = server["url"].replace("postgresql://postgres@", "postgresql://nobody@")
    run = run_suite_in(tmp_path, "-q", backend="postgresql", env={"CONFORMANCE_DATABASE_URL": url})
    assert run.returncode == 3
    assert 'role "nobody" does not exist' in run.output
    assert run.results["status"] == "error"


def test_a_user_that_may_not_create_databases_is_told_the_grant(tmp_path, server):
    _sql(server["url"], "DROP ROLE IF EXISTS limited; CREATE ROLE limited LOGIN")
    url = server["url"].replace("postgresql://postgres@", "postgresql://limited@")
    run = run_suite_in(tmp_path, "-q", backend="postgresql", env={"CONFORMANCE_DATABASE_URL": url})
    assert run.returncode == 3
    assert "may not create databases" in run.output
    assert "ALTER ROLE limited CREATEDB" in run.output


def test_a_results_folder_that_cannot_be_written_is_named(tmp_path):
    (tmp_path / "blocked").write_text("a file where the folder should be")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "testapp.settings"}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conformance.runner.plugin",
         f"--conformance-results={tmp_path / 'blocked' / 'results.json'}",
         "-p", "no:cacheprovider", f"--rootdir={tmp_path}", "--co", "-q"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "cannot write" in completed.stderr
    assert "Fix:" in completed.stderr


def test_a_reports_folder_that_cannot_be_written_is_named(tmp_path):
    (tmp_path / "reports").write_text("a file where the folder should be")
    completed = subprocess.run(
        [sys.executable, "-m", "conformance.report", "--reports", str(tmp_path / "reports")],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert completed.returncode == 2
    assert "cannot write to" in completed.stderr
    assert "Fix:" in completed.stderr


def test_a_missing_python_is_named_with_the_way_to_install_it():
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYENV")}
    env["PATH"] = "/usr/bin:/bin"
    completed = subprocess.run(
        [sys.executable, "-m", "nox", "-l"], cwd=ROOT, env=env,
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    output = completed.stdout + completed.stderr
    assert "Python 3.13 is missing: the Django 5.1, 5.2, 6.0, 6.1 cells will fail." in output
    assert "uv python install 3.13" in output
