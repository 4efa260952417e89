"""The conformance matrix: every Django feature release x every backend column, then the report.

    nox                              # every cell, as many at a time as there are cores, then
                                     # the report
    nox -t sqlite                    # one backend (plus the report)
    nox -t django-5.2                # one release, every backend (plus the report)
    nox -t django-5.2-postgresql     # one cell (plus the report)
    nox -s report                    # re-render the report from the results files on disk
    nox -t ci                        # CI: lint, every cell, the report, the kit's own tests

This file only declares sessions; finding releases, Pythons, servers and system packages is
in conformance/provision/, and nothing is fetched or started while nox reads it.

Columns: SQLite, PostgreSQL (CONFORMANCE_DATABASE_URL, else a throwaway server the first cell
starts and the top nox process stops), MariaDB (CONFORMANCE_MARIADB_URL, or
CONFORMANCE_MARIADB=local for the server on 127.0.0.1:3306; else its cells are "not run"), the
shipped extra columns of conformance/data/backends.toml, and the user's own
(CONFORMANCE_BACKENDS=path.toml). A Django pre-release newer than every release (from PyPI's
list as last saved) and a Django source the user names (CONFORMANCE_DJANGO_SOURCE=path-or-VCS-URL,
with CONFORMANCE_DJANGO_SOURCE_SERIES=X.Y for a URL) add columns too. `nox --
--install-system-deps` lets a cell apt-get what a driver needs to build (CI=true does too).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT))

from conformance.matrix import Backend, BackendsFileError, Cell, backends, cells  # noqa: E402
from conformance.provision import (  # noqa: E402
    envs,
    mariadb,
    postgresql,
    processes,
    pythons,
    servers,
    system,
)
from conformance.provision import releases as django_releases  # noqa: E402
from conformance.provision.names import (  # noqa: E402
    APPS_ENV,
    BACKEND_ENV,
    PROFILE_ENV,
    REPORTS_ENV,
    RUN_ENV,
    SEED_ENV,
    SETTINGS_ENV,
    SUFFIX_ENV,
    URL_ENV,
    on_ci,
)
from conformance.results import not_run_results, write_json_atomically  # noqa: E402
from conformance.runner.database import mask_url, remove_sqlite_files  # noqa: E402
from conformance.runner.watchdog import settle  # noqa: E402

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True
nox.options.reuse_venv = "yes"
nox.options.sessions = ["conformance", "report"]
# Cells run side by side, one per core; each is its own nox process (pytest inside runs
# serially), and the report waits for all of them (see `report`).
nox.options.parallel = os.cpu_count() or 1
# Compiled at install, so that a cell never compiles Django's ~750 modules again (measured
# 2026-11: 1.7 s a cell where PYTHONDONTWRITEBYTECODE is set, as on CI runners).
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
REPORTS = Path(os.environ.get(REPORTS_ENV, ROOT / "reports")).resolve()
SESSION_RESULTS = REPORTS / "sessions"
EXPECTATIONS = ROOT / "conformance/data/expectations.toml"
UV = ["uv"] if shutil.which("uv") else [sys.executable, "-m", "uv"]

# The top nox process owns the run: its parallel workers inherit the id and share one
# throwaway PostgreSQL server, which the owner stops when it exits or is signalled.
if postgresql.claim_run(os.environ):
    postgresql.stop_on_exit(os.environ[RUN_ENV])

try:
    RELEASES = django_releases.releases(ROOT, os.environ)
    COLUMNS: list[Backend] = backends()
except (django_releases.SourceError, BackendsFileError) as exc:
    raise SystemExit(f"nox: {exc}") from None
pythons.use_pyenv_pythons(os.environ, {release.python for release in RELEASES} | {"3.12"})
for line in pythons.missing_pythons():
    nox.logger.logger.warning(line)
CELLS: dict[str, Cell] = {cell.id: cell for cell in cells(RELEASES, COLUMNS)}
# The report carries every cell's tags, so that `nox -t <tag>` always ends with a report.
ALL_TAGS = sorted(
    {
        tag
        for cell in CELLS.values()
        for tag in (cell.id, f"django-{cell.release.key}", cell.backend.name)
    }
)


def _write_not_run(cell: Cell, reason: str) -> None:
    """A results file saying the cell was not run and why, so the report shows the reason."""
    write_json_atomically(
        SESSION_RESULTS / f"{cell.id}.json", not_run_results(_cell_fields(cell), reason)
    )


def _cell_fields(cell: Cell) -> dict[str, Any]:
    return {
        "id": cell.id,
        "django_series": cell.release.series,
        "backend": cell.backend.name,
        "channel": cell.release.channel,
        "label": cell.release.label,
        "column": _column_fields(cell.backend),
    }


def _column_fields(backend: Backend) -> dict[str, Any]:
    """What the report needs of a cell's column, carried in its results file (results.py)."""
    return {
        "label": backend.label,
        "family": backend.family,
        "stock": backend.builtin,
        "packages": list(backend.packages),
    }


@nox.session(tags=["ci"])
def lint(session: nox.Session) -> None:
    """Ruff, for lint and format."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


def _longest_first(cell: Cell) -> tuple[int, tuple[int, ...], int]:
    """Cells in the order that ends the matrix soonest on few cores: the longest first. Measured
    on 2026-12-04: newer releases have more async API to check (6.1: 218 APIs, 4.1: 57), and
    an add-on column or a server takes longer than SQLite (6.1: async-backend 2 min, PostgreSQL
    and MariaDB 1 min, SQLite 50 s, two cells side by side)."""
    weight = 0 if cell.backend.packages else 1 if cell.backend.server else 2
    newest_first = tuple(-int(part) for part in cell.release.series.split(".") if part.isdigit())
    return (0 if cell.release.channel == "release" else -1, newest_first, weight)


@nox.session(allow_parallel=True, venv_backend="none")
@nox.parametrize(
    ["python", "cell_id"],
    [
        nox.param(
            cell.release.python,
            cell.id,
            id=cell.id,
            tags=["ci", cell.id, f"django-{cell.release.key}", cell.backend.name],
        )
        for cell in sorted(CELLS.values(), key=_longest_first)
    ],
)
def conformance(session: nox.Session, cell_id: str) -> None:
    """Run the conformance suite on one Django release and backend; write its results file."""
    cell = CELLS[cell_id]
    backend = cell.backend
    results = SESSION_RESULTS / f"{cell.id}.json"
    # A stale file from an earlier run must never stand in for this one; until the suite
    # writes its own, the cell reads "not run" with its column, for the report.
    _write_not_run(cell, "no results: the session failed before its suite started")
    try:
        url = servers.column_url(backend, os.environ, UV, session.log)
    except servers.ServerError as exc:
        session.error(str(exc))
    if backend.server == "mariadb" and url is None:
        reason = mariadb.choose(os.environ).why
        _write_not_run(cell, reason)
        session.skip(reason)
    if backend.family == "mariadb":
        allowed = system.opted_in(session.posargs, os.environ)
        try:
            system.ensure_mysqlclient_builds(allowed, session.log)
        except system.MissingSystemPackages as exc:
            session.error(str(exc))
    python = _environment(session, cell)
    settings = {**({"ENGINE": backend.engine} if backend.engine else {}), **backend.settings}
    env = {
        "DJANGO_SETTINGS_MODULE": "testapp.settings",
        BACKEND_ENV: backend.name,
        SETTINGS_ENV: json.dumps(settings) if settings else "",
        APPS_ENV: ",".join(backend.apps),
        SUFFIX_ENV: f"{cell.id.replace('-', '_').replace('.', '')}_{os.getpid()}",
        # pytest keeps the modules it rewrites for assertions only where bytecode may be
        # written; otherwise every run rewrites ~120 of them again (measured: 2 s a run).
        "PYTHONDONTWRITEBYTECODE": "",
    }
    if url:
        env[URL_ENV] = url
        session.log(f"{backend.label} at {mask_url(url)}")
    try:
        with _custom_user_variant(session, python, cell, results, env) as variant_done:
            _run_suite(session, python, cell, results, env)
            variant_done()
    finally:
        remove_sqlite_files(env[SUFFIX_ENV])
        hung = settle(results)
        if hung:
            session.error(f"{cell.id}: {hung}; the stacks are in {results}")


def _environment(session: nox.Session, cell: Cell) -> Path:
    """The cell's Python: its release's environment, shared by the stock backends (each adds
    its driver once), or an add-on column's own."""
    django = cell.release.requirement
    if cell.release.channel == "source" and Path(django).is_dir():
        django = f"--editable={django}"  # edits show without a reinstall
    requirements = [
        django,
        *cell.backend.driver(cell.release),
        *cell.backend.packages,
        *nox.project.dependency_groups(PYPROJECT, "suite"),
    ]
    location = ROOT / ".nox" / envs.name(cell)
    try:
        return envs.ensure(location, f"python{cell.release.python}", requirements, session.log, UV)
    except envs.EnvError as exc:
        session.error(str(exc))


# A bound on the custom-user run as a whole; its checks have their own budgets (the plugin's).
VARIANT_TIMEOUT_S = 60 * 60
# pytest's exit code when no test was selected (``nox -- -k properties`` leaves the custom-user
# run, which has no property checks, nothing to do).
PYTEST_SELECTED_NOTHING = 5
# The checks a project's own user model changes: auth, sessions, middleware, the test client.
CUSTOM_USER_CHECKS = (
    ["conformance/runner/suite/test_surface.py", "conformance/runner/suite/test_extensions.py",
     "conformance/runner/suite/test_derived_extensions.py",
     "-k", "auth or sessions or client or middleware"]
)  # fmt: skip


@contextmanager
def _custom_user_variant(
    session: nox.Session, python: Path, cell: Cell, results: Path, env: dict[str, str]
) -> Iterator[Callable[[], None]]:
    """The auth, session, middleware and test-client checks again in the same cell, with a
    user model that logs in by email (``testapp.settings_custom_user``); their features are
    ``custom-user.*``, folded into the cell's results file.

    It runs in a second process beside the main run, its output held until that ends: a lone
    cell on two cores then takes the main run's time instead of the sum of both (measured on
    6.1 SQLite: 21 s instead of 29 s). The block gets the function that waits for it and folds
    its results."""
    variant = results.with_name(f"{results.stem}.custom-user.json")
    variant_env = env | {
        "DJANGO_SETTINGS_MODULE": "testapp.settings_custom_user",
        SUFFIX_ENV: f"{env[SUFFIX_ENV]}_custom_user",
    }
    argv = _suite_argv(
        session, python, cell, variant, ["--conformance-variant=custom-user", *CUSTOM_USER_CHECKS]
    )
    session.log(f"beside the main run: {' '.join(argv)}")

    def done(wait: Callable[[], subprocess.CompletedProcess[str]]) -> None:
        try:
            finished = wait()
        except subprocess.TimeoutExpired:
            session.error(f"the custom-user run took over {VARIANT_TIMEOUT_S // 60} min: stopped")
        lines = finished.stdout.rstrip().splitlines()
        if finished.returncode == PYTEST_SELECTED_NOTHING:
            session.log("custom-user run: the pytest arguments given select none of its checks")
            return
        if finished.returncode != 0:
            session.log("\n".join(lines[-200:]))
            session.error(f"the custom-user run failed (exit {finished.returncode}): see above")
        session.log(f"custom-user run: {lines[-1] if lines else 'no output'}")
        # In the cell's Python, which has jsonschema to validate both files; nox's may not.
        session.run(
            str(python), "-m", "conformance.results", "fold", str(results), str(variant),
            external=True, silent=True,
        )  # fmt: skip

    try:
        with processes.alongside(
            argv, timeout_s=VARIANT_TIMEOUT_S, env={**os.environ, **variant_env}
        ) as wait:
            yield lambda: done(wait)
    finally:
        remove_sqlite_files(variant_env[SUFFIX_ENV])


def _suite_argv(
    session: nox.Session,
    python: Path,
    cell: Cell,
    results: Path,
    selection: list[str] | None = None,
) -> list[str]:
    """The pytest command of one run of the suite in ``cell``, its results into ``results``."""
    # One seed for the whole nox run, recorded in every results file: a failure replays with
    # CONFORMANCE_HYPOTHESIS_SEED=<seed> (the ci profile is derandomized and needs none).
    seed = os.environ.setdefault(SEED_ENV, str(random.randrange(2**32)))
    profile = os.environ.get(PROFILE_ENV, "ci" if on_ci(os.environ) else "dev")
    return [
        str(python), "-m", "pytest", *(selection or ["conformance/runner/suite"]),
        "-p", "conformance.runner.plugin",
        f"--conformance-results={results}",
        f"--conformance-cell={cell.id}",
        f"--conformance-series={cell.release.series}",
        f"--conformance-backend={cell.backend.name}",
        f"--conformance-channel={cell.release.channel}",
        *([f"--conformance-label={cell.release.label}"] if cell.release.label else []),
        f"--conformance-column={json.dumps(_column_fields(cell.backend))}",
        f"--hypothesis-seed={seed}",
        f"--hypothesis-profile={profile}",
        "-p", "no:cacheprovider",
        "-o", "asyncio_default_fixture_loop_scope=function",
        *system.without_opt_in(session.posargs),
    ]  # fmt: skip


def _run_suite(
    session: nox.Session, python: Path, cell: Cell, results: Path, env: dict[str, str]
) -> None:
    session.run(*_suite_argv(session, python, cell, results), env=env, external=True)


@nox.session(tags=["ci", *ALL_TAGS])
def report(session: nox.Session) -> None:
    """Merge the results files into reports/, then compare verdicts with the expectations.

    It runs after every selected cell because it does not allow parallel runs and comes after
    them: nox starts such a session only when nothing else runs. It has no ``requires=``, which
    would skip the report when a cell fails (the page must show that failure) and would make
    ``nox -s report`` re-run every cell.
    """
    session.install(*PYPROJECT["project"]["dependencies"])
    # A tag selects the report too, and hands it the arguments meant for pytest
    # (`nox -t django-4.1-sqlite -- -x`): it keeps only its own option.
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--baseline")
    own, others = options.parse_known_args(system.without_opt_in(session.posargs))
    if others:
        session.log(f"report: {' '.join(others)} is for the conformance cells, not the report")
    baseline = ["--baseline", own.baseline] if own.baseline else []
    # Declaring sessions reads PyPI's list from a file; this run refreshes it for the next.
    stale = django_releases.refresh_versions(ROOT, os.environ)
    if stale:
        session.warn(stale)
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
    """Accept the verdicts of reports/results.json as the recorded expectations (an `error`
    needs ``-- --reason FEATURE=TEXT``)."""
    session.install(*PYPROJECT["project"]["dependencies"])
    session.run(
        "python", "-m", "conformance.report.expectations", "record",
        f"--results={REPORTS / 'results.json'}",
        *session.posargs,
    )  # fmt: skip


@nox.session(default=False)
def releases(session: nox.Session) -> None:
    """Fail loudly when PyPI has a Django feature release the matrix does not cover (and save
    PyPI's list, so the next run has the pre-release column)."""
    stale = django_releases.refresh_versions(ROOT, os.environ)
    if stale:
        session.warn(stale)
    session.install(*PYPROJECT["project"]["dependencies"])
    session.run("python", "-m", "conformance.ci", "releases")


@nox.session(default=False)
def stability(session: nox.Session) -> None:
    """Run cells several times and list any verdict that changed: ``nox -s stability -- --runs
    3 django-6.1-sqlite`` (each run is a nested nox, so nox is installed here too)."""
    session.install(*PYPROJECT["project"]["dependencies"], "nox", "uv")
    session.run("python", "-m", "conformance.stability", *session.posargs)


@nox.session(python="3.12", tags=["ci"])
def tests(session: nox.Session) -> None:
    """The kit's own tests, on every core (``-- -m fast`` for the quick tier, ``-- -n 0`` for
    one process)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("python", "-m", "pytest", "-n", "auto", *session.posargs)


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
        "python", "-m", "conformance.scan",
        f"--results={REPORTS / 'results.json'}",
        *session.posargs,
        env={"PYTHONPATH": str(ROOT)},
    )  # fmt: skip
