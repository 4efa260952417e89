"""The GitHub Actions workflow, checked offline: linters clean, every session in the matrix."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import yaml

from conformance.ci import matrix_from_sessions
from conformance.matrix import cells
from tests.conftest import ROOT

WORKFLOW = ROOT / ".github/workflows/conformance.yml"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(ROOT / ".nox/tests/bin")) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: it is in the 'test' dependency group")
    return found


def test_actionlint_finds_nothing():
    result = subprocess.run(
        [_tool("actionlint"), str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--min-severity", "low", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def nox_sessions() -> list[dict]:
    listed = subprocess.run(
        [sys.executable, "-m", "nox", "-l", "--json", "-s", "conformance"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(listed.stdout)


@pytest.mark.slow
def test_the_ci_matrix_has_one_job_per_conformance_session(nox_sessions):
    jobs = matrix_from_sessions(nox_sessions)
    assert sorted(job["cell"] for job in jobs) == sorted(cell.id for cell in cells())


@pytest.mark.slow
def test_each_ci_job_runs_on_the_python_its_release_needs(nox_sessions):
    pythons = {cell.id: cell.release.python for cell in cells()}
    assert {job["cell"]: job["python"] for job in matrix_from_sessions(nox_sessions)} == pythons


def test_the_workflow_builds_its_matrix_from_nox():
    text = WORKFLOW.read_text()
    assert "python -m conformance.ci matrix" in text
    assert "fromJSON(needs.sessions.outputs.matrix)" in text


@pytest.fixture(scope="module")
def jobs() -> dict[str, dict]:
    return yaml.safe_load(WORKFLOW.read_text())["jobs"]


def test_every_job_has_a_time_limit(jobs):
    assert [name for name, job in jobs.items() if not job.get("timeout-minutes")] == []


def _commands(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_the_workflow_runs_lint(jobs):
    assert any("nox -s lint" in _commands(job) for job in jobs.values())


def test_the_workflow_runs_the_kit_tests_in_both_tiers(jobs):
    (tests,) = [job for job in jobs.values() if "nox -s tests" in _commands(job)]
    assert sorted(tests["strategy"]["matrix"]["tier"]) == ["fast", "slow"]
