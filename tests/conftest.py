"""Shared helpers for the kit's own tests."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.runner.database import remove_sqlite_files

ROOT = Path(__file__).resolve().parent.parent
# The scan's corpus is code to read, not tests to run (its projects have test files of their own).
collect_ignore_glob = ["scan_corpus/*"]


@functools.cache
def bare_nox() -> list[str]:
    """``python -m nox`` from a Python holding only nox and uv, as the README's ``pip install uv
    nox`` leaves a user's: whatever the top nox process runs must need nothing more."""
    venv = Path(tempfile.mkdtemp(prefix="bare-nox-")) / "venv"
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True,
                   timeout=300)  # fmt: skip
    subprocess.run(
        [*uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "nox", "uv"],
        check=True, timeout=600,
    )  # fmt: skip
    return [str(venv / "bin" / "python"), "-m", "nox"]


@dataclass
class SuiteRun:
    returncode: int
    output: str
    results_path: Path

    @property
    def results(self) -> dict[str, Any]:
        return json.loads(self.results_path.read_text())

    def feature(self, feature_id: str) -> dict[str, Any]:
        return self.results["features"][feature_id]


def run_suite_in(
    directory: Path, *args: str, backend: str = "sqlite", env: dict[str, str] | None = None
) -> SuiteRun:
    """Run pytest with the conformance plugin in a subprocess, as a nox session would."""
    results = directory / "results.json"
    suffix = f"kit_{directory.name}_{os.getpid()}"
    environ = {
        **os.environ,
        "CONFORMANCE_DB_SUFFIX": suffix,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(directory)]),
        "DJANGO_SETTINGS_MODULE": "testapp.settings",
        "CONFORMANCE_BACKEND": backend,
        **(env or {}),
    }
    completed = subprocess.run(
        [
            sys.executable, "-m", "pytest", *args,
            "-p", "conformance.runner.plugin", "-p", "no:cacheprovider",
            f"--conformance-results={results}", "--conformance-cell=django-5.2-sqlite",
            "--conformance-series=5.2",
            f"--rootdir={directory}", "-q",
        ],
        cwd=directory, env=environ, capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    remove_sqlite_files(suffix)  # a session the test stopped leaves its database file
    return SuiteRun(completed.returncode, completed.stdout + completed.stderr, results)


# Fixtures that drive a real browser or a database server: a test using one is ``slow``.
SLOW_FIXTURES = frozenset({"browser", "postgresql_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tier every test: ``slow`` if marked so or if it needs a browser or a server, else
    ``fast``, so that ``-m fast`` (every push) and ``-m slow`` need no list of files."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.fast)


@pytest.fixture
def run_suite(tmp_path):
    """``run_suite_in`` the test's own temporary folder."""

    def run(*args: str, **options: Any) -> SuiteRun:
        return run_suite_in(tmp_path, *args, **options)

    return run
