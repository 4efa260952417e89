"""pytest plugin: turns the suite's outcomes into verdicts and writes the session's results.

Loaded with ``-p conformance.plugin``. Checks carry ``@pytest.mark.conformance(feature=...)``
and report what they saw through the ``conformance`` fixture; this plugin only gathers. At
start it proves the database is reachable (one clear error line otherwise) and writes an
``incomplete`` results file, replaced atomically at the end, so a killed session shows as such.
"""

from __future__ import annotations

import os
import platform
import signal
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance import profiles
from conformance.features import feature as lookup_feature
from conformance.results import SCHEMA_VERSION, write_results
from conformance.verdicts import Verdict, fold

MARKER = "conformance"


@dataclass(repr=False)  # Hypothesis prints fixtures; the evidence is in the results file
class Recorder:
    """What one check observed; the ``conformance`` fixture hands it to the test."""

    feature: str
    ref: str | None
    claims: list[str]
    verdict: Verdict | None = None
    evidence: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    examples: int = 0

    def record(self, outcome: Any) -> None:
        """Keep an outcome (``conformance.probe.Outcome``); a divergence fails the check.

        Called once per generated example too: the first divergence wins, and Hypothesis then
        replays its shrunk example last, so the evidence kept is the smallest one.
        """
        self.examples += 1
        if self.verdict is Verdict.DIVERGES and outcome.verdict is not Verdict.DIVERGES:
            return
        self.verdict, self.evidence = outcome.verdict, dict(outcome.evidence)
        self.evidence["examples"] = self.examples
        if outcome.reason and outcome.reason not in self.notes:
            self.notes.append(outcome.reason)
        if outcome.verdict is Verdict.DIVERGES:
            pytest.fail(f"{self.feature} diverges from its sync twin: {outcome.reason}")


@dataclass
class SessionState:
    results_path: Path
    cell: dict[str, str]
    started: float = field(default_factory=time.time)
    environment: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    database_setup_s: float = 0.0
    surface: dict[str, Any] | None = None
    full_run: bool = True
    failed_at_start: bool = False


STATE = pytest.StashKey[SessionState]()
RECORDER = pytest.StashKey[Recorder]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Django async ORM conformance")
    group.addoption("--conformance-results", help="write this session's results file here")
    group.addoption("--conformance-cell", help="the matrix cell id, e.g. django-5.2-sqlite")


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("hypothesis_profile", None):
        # Hypothesis' plugin loaded no profile: use the kit's everyday one.
        from hypothesis import settings

        settings.load_profile(profiles.DEFAULT)
        config.option.hypothesis_profile = profiles.DEFAULT
    config.addinivalue_line(
        "markers",
        "conformance(feature, ref=None, claims=()): the feature a check decides, the reference "
        "section it comes from and the claims it bears on",
    )
    path = config.getoption("--conformance-results")
    if not path:
        return
    cell_id = config.getoption("--conformance-cell") or "local"
    series = cell_id.split("-")[1] if cell_id.count("-") >= 2 else ""
    backend = os.environ.get("CONFORMANCE_BACKEND", "sqlite")
    state = SessionState(Path(path), {"id": cell_id, "django_series": series, "backend": backend})
    config.stash[STATE] = state
    suite = (Path(__file__).parent / "suite").resolve()
    state.full_run = any(Path(arg).resolve() == suite for arg in config.args) and not (
        config.getoption("keyword") or config.getoption("markexpr")
    )
    state.environment = _environment(config)
    _write(state, status="incomplete")
    # SIGTERM (CI cancelling a job, `kill`) ends the run like Ctrl-C does, so the results file
    # says "interrupted" instead of keeping the "incomplete" placeholder.
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"received signal {signum}")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


def _environment(config: pytest.Config) -> dict[str, Any]:
    """Versions that can be read without a database connection."""
    try:
        import django

        django_version = django.get_version()
    except ImportError:
        django_version = None
    from conformance.database import URL_ENV, mask_url

    url = os.environ.get(URL_ENV)
    return {
        "django": django_version,
        "python": platform.python_version(),
        "driver": _driver(os.environ.get("CONFORMANCE_BACKEND", "sqlite")),
        "server": None,
        "database_url": mask_url(url) if url else None,
        "hypothesis_profile": config.getoption("hypothesis_profile", None),
        "hypothesis_seed": config.getoption("hypothesis_seed", None),
        "platform": platform.platform(),
    }


def _driver(backend: str) -> str | None:
    from importlib import metadata

    if backend == "sqlite":
        import sqlite3

        return f"sqlite3 {sqlite3.sqlite_version}"
    for distribution in ("psycopg", "psycopg2-binary", "psycopg2"):
        try:
            return f"{distribution} {metadata.version(distribution)}"
        except metadata.PackageNotFoundError:
            continue
    return None


def pytest_sessionstart(session: pytest.Session) -> None:
    """Prove the database answers before any check runs, and record its version."""
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    from conformance.database import DatabaseConfigError

    try:
        state.environment["server"] = _server_version()
    except DatabaseConfigError as exc:
        state.error = str(exc)
    except Exception as exc:  # the driver's own error types differ per release
        state.error = _unreachable(state, exc, "cannot connect to PostgreSQL")
    if state.error:
        state.failed_at_start = True
        _write(state, status="error")
        pytest.exit(f"[{state.cell['id']}] {state.error}", returncode=3)


def _unreachable(state: SessionState, exc: BaseException, what: str) -> str:
    url = state.environment.get("database_url") or "the configured database"
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "no detail"
    return (
        f"{what} at {url}: {type(exc).__name__}: {detail}. Fix: start the server, check the "
        "user, password and host in CONFORMANCE_DATABASE_URL, or unset it to let nox start a "
        "throwaway server."
    )


def _server_version() -> str:
    """Connect with the driver itself (Django's connections are blocked outside checks)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    settings = connection.settings_dict
    params = {
        "dbname": "postgres",
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD"),
        "host": settings.get("HOST"),
        "port": settings.get("PORT"),
        "connect_timeout": 5,
    }
    raw = connection.Database.connect(**{key: value for key, value in params.items() if value})
    try:
        cursor = raw.cursor()
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
        cursor.execute(
            "SELECT current_user, rolcreatedb OR rolsuper "
            "FROM pg_roles WHERE rolname = current_user"
        )
        user, may_create = cursor.fetchone()
    finally:
        raw.close()
    if not may_create:
        from conformance.database import DatabaseConfigError

        raise DatabaseConfigError(
            f"PostgreSQL user {user!r} may not create databases, and every session creates its "
            f"own test database. Fix: ALTER ROLE {user} CREATEDB, or use another user."
        )
    return f"PostgreSQL {version}"


@pytest.fixture
def conformance(request: pytest.FixtureRequest) -> Recorder:
    """The recorder for the check's feature, named by its ``conformance`` marker."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses `conformance` without the marker")
    feature_id = marker.kwargs.get("feature") or (marker.args[0] if marker.args else None)
    found = lookup_feature(feature_id)
    recorder = Recorder(
        found.id, marker.kwargs.get("ref", found.ref), list(marker.kwargs.get("claims", ()))
    )
    request.node.stash[RECORDER] = recorder
    return recorder


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest):
    """Time pytest-django's test database creation and migrations, for the benchmark."""
    state = request.config.stash.get(STATE, None)
    if state is None or fixturedef.argname != "django_db_setup":
        return (yield)
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        state.database_setup_s += time.perf_counter() - started


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    state = item.config.stash.get(STATE, None)
    recorder = item.stash.get(RECORDER, None)
    if state is None or item.get_closest_marker(MARKER) is None:
        return report
    decisive = report.when == "call" or (report.when == "setup" and not report.passed)
    if decisive:
        state.checks.append(_check(item, report, call, recorder))
    if report.failed and call.excinfo is not None and _lost_connection(state, call.excinfo.value):
        state.error = _unreachable(state, call.excinfo.value, "PostgreSQL stopped answering")
        item.session.shouldstop = state.error
    return report


def _lost_connection(state: SessionState, exc: BaseException) -> bool:
    """After a database error on PostgreSQL, whether the server itself has gone away."""
    if state.cell["backend"] != "postgresql" or state.error:
        return False
    if type(exc).__name__ not in {"OperationalError", "InterfaceError"}:
        return False
    try:
        _server_version()
    except Exception:
        return True
    return False


def _check(
    item: pytest.Item,
    report: pytest.TestReport,
    call: pytest.CallInfo[None],
    recorder: Recorder | None,
) -> dict[str, Any]:
    marker = item.get_closest_marker(MARKER)
    feature_id = marker.kwargs.get("feature") or marker.args[0]
    notes = list(recorder.notes) if recorder else []
    evidence = recorder.evidence if recorder else None
    if report.skipped:
        verdict, outcome = Verdict.SKIPPED, "skipped"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        notes.append(f"skipped: {reason}")
    elif report.passed and recorder and recorder.verdict is not None:
        verdict, outcome = recorder.verdict, "passed"
    elif report.failed and recorder and recorder.verdict is Verdict.DIVERGES:
        verdict, outcome = Verdict.DIVERGES, "failed"
    else:
        verdict, outcome = Verdict.ERROR, "error"
        problem = call.excinfo.exconly() if call.excinfo else report.longreprtext
        notes.append(
            "the check recorded no verdict"
            if report.passed
            else f"the check broke: {problem.strip()[:1000]}"
        )
    return {
        "id": item.nodeid,
        "feature": feature_id,
        "ref": recorder.ref if recorder else marker.kwargs.get("ref"),
        "claims": recorder.claims if recorder else list(marker.kwargs.get("claims", ())),
        "verdict": verdict.value,
        "outcome": outcome,
        "duration_s": round(report.duration, 4),
        "evidence": evidence,
        "notes": notes,
    }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or state.failed_at_start:
        return
    interrupted = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
    if interrupted and not state.error:
        state.error = f"the session was interrupted (pytest exit status {int(exitstatus)})"
    if not state.error:
        state.surface = _surface(state)
    _write(state, status="error" if state.error else "complete")
    if state.error and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    broken = [check["id"] for check in state.checks if check["verdict"] == Verdict.ERROR]
    untested = state.surface["untested"] if state.surface else []
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for feature_id in untested:
        if reporter is not None:
            reporter.write_line(f"untested async API: {feature_id}", red=True)
    if (broken or untested) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        state = items[0].config.stash.get(STATE, None)
        if state is not None:
            state.full_run = False


def _surface(state: SessionState) -> dict[str, Any] | None:
    """The installed Django's async surface, and the members no check of this run covered.

    Only a run of the whole suite (``conformance/suite``, nothing deselected) can judge
    coverage; narrower runs would call everything they left out untested, so they record the
    surface only.
    """
    from conformance.surface import discover, protocols

    members = [member.feature for member in discover()]
    checked = {check["feature"] for check in state.checks}
    untested = [m for m in members if m not in checked] if state.full_run else []
    return {"members": members, "protocols": protocols(), "untested": untested}


def _features(checks: list[dict[str, Any]]) -> dict[str, Any]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for check in checks:
        grouped.setdefault(check["feature"], []).append(check)
    return {
        feature_id: {
            "verdict": fold(Verdict(check["verdict"]) for check in group).value,
            "checks": [check["id"] for check in group],
            "notes": [note for check in group for note in check["notes"]],
        }
        for feature_id, group in sorted(grouped.items())
    }


def _write(state: SessionState, *, status: str) -> None:
    finished = time.time() if status != "incomplete" else None
    document = {
        "schema_version": SCHEMA_VERSION,
        "cell": state.cell,
        "status": status,
        "error": state.error
        if status != "incomplete"
        else "the session stopped before the suite finished",
        "environment": state.environment,
        "started_at": _iso(state.started),
        "finished_at": _iso(finished) if finished else None,
        "duration_s": round(finished - state.started, 3) if finished else None,
        "timings": {"database_setup_s": round(state.database_setup_s, 3)},
        "features": _features(state.checks),
        "checks": state.checks,
    }
    if state.surface is not None:
        document["surface"] = state.surface
    try:
        write_results(state.results_path, document)
    except OSError as exc:
        sys.stderr.write(
            f"conformance: cannot write {state.results_path} ({exc.strerror}). "
            "Fix: make the reports folder writable or pass another --conformance-results.\n"
        )
        raise
