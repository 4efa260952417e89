"""pytest plugin: turns the suite's outcomes into verdicts and writes the session's results.

Loaded with ``-p conformance.runner.plugin``. Checks carry ``@pytest.mark.conformance(feature=...)``
and report what they saw through the ``conformance`` fixture; this plugin only gathers. At
start it proves the database is reachable (one clear error line otherwise) and writes an
``incomplete`` results file, replaced atomically at the end, so a killed session shows as such.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.metadata
import json
import os
import platform
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from conformance.features import VARIANTS
from conformance.features import feature as lookup_feature
from conformance.headline import headline_rank
from conformance.report.claims import load as load_claims
from conformance.results import SCHEMA_VERSION, write_results
from conformance.runner import coverage, database, profiles
from conformance.runner.watchdog import Watchdog
from conformance.verdicts import SEVERITY, Verdict, fold

MARKER = "conformance"
MAX_DIVERGING = 12  # diverging calls listed per check, beyond the one kept as evidence


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
    extra: dict[str, Any] = field(default_factory=dict)
    diverging: list[str] = field(default_factory=list)

    def record(self, outcome: Any, *, shrink: bool = False) -> None:
        """Keep an outcome (``conformance.runner.probe.Outcome``).

        ``shrink=True`` (Hypothesis checks) raises ``Diverged`` on a divergence, so that
        Hypothesis shrinks it to its smallest example; the plugin then ends the check as a
        finding, not a failure.

        Called once per example or grid call too. A divergence is a finding, not a failure: the
        check goes on. The most serious verdict wins; among divergences the headline is the most
        ordinary call whose difference a caller sees (``headline_rank``), Hypothesis' shrunk
        example for property checks.
        """
        self.examples += 1
        current = self.verdict
        verdict = Verdict(outcome.verdict)
        if verdict is Verdict.DIVERGES and len(self.diverging) < MAX_DIVERGING:
            self.diverging.append(outcome.evidence.get("example") or outcome.reason)
        worse = current is None or SEVERITY.index(verdict) < SEVERITY.index(current)
        better = verdict is current is Verdict.DIVERGES and headline_rank(
            outcome.evidence
        ) < headline_rank(self.evidence)
        if worse or better:
            self.verdict, self.evidence = verdict, dict(outcome.evidence)
            if outcome.reason:
                self.evidence["reason"] = outcome.reason  # what differs on the headline call
        fresh = outcome.reason and outcome.reason not in self.notes and len(self.notes) < 5
        if fresh and verdict is self.verdict:
            self.notes.append(outcome.reason)
        self.evidence["examples"] = self.examples
        if self.diverging:
            self.evidence["diverging_calls"] = list(self.diverging)
        if shrink and verdict is Verdict.DIVERGES:
            raise Diverged(f"{self.feature}: {outcome.reason}")

    def annotate(self, **extra: Any) -> None:
        """Add observations about the check as a whole (the calls tried, the signatures)."""
        self.extra.update(extra)


class Diverged(Exception):
    """A divergence found by a Hypothesis check; ends the check as ``diverges``, never red."""


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    """A check that ends with its (shrunk) divergence has done its job: it passes, and its
    verdict, ``diverges``, is the finding."""
    try:
        return (yield)
    except Diverged:
        return True


class CheckTimeout(BaseException):
    """A check ran past its time budget; carries the stacks where it was stuck."""

    def __init__(self, budget: float, stacks: str) -> None:
        super().__init__(f"the check ran past its time budget of {budget:g} s")
        self.budget = budget
        self.stacks = stacks


@dataclass
class SessionState:
    results_path: Path
    cell: dict[str, str]
    timeout_s: float = profiles.TIMEOUTS[profiles.DEFAULT]
    started: float = field(default_factory=time.time)
    environment: dict[str, Any] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    database_setup_s: float = 0.0
    surface: dict[str, Any] | None = None
    full_run: bool = True
    failed_at_start: bool = False
    # failures that produced no verdict (a teardown, a test that is not a check): the kit's own
    unrecorded_failures: list[str] = field(default_factory=list)
    hang_limit_s: float = 0.0
    watchdog: Watchdog | None = None


STATE = pytest.StashKey[SessionState]()
RECORDER = pytest.StashKey[Recorder]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Django async ORM conformance")
    group.addoption("--conformance-results", help="write this session's results file here")
    group.addoption("--conformance-cell", help="the matrix cell id, e.g. django-5.2-sqlite")
    group.addoption("--conformance-series", help="the Django feature release, e.g. 5.2")
    group.addoption("--conformance-backend", help="the database backend, e.g. postgresql")
    group.addoption(
        "--conformance-channel",
        default="release",
        choices=("release", "pre-release", "source"),
        help="what kind of Django the cell runs: a feature release, a pre-release or a source",
    )
    group.addoption("--conformance-label", help="how the report names the cell's Django")
    group.addoption(
        "--conformance-column",
        type=json.loads,
        help="the cell's column as JSON (label, family, stock, packages), for the report",
    )
    group.addoption(
        "--conformance-variant",
        choices=sorted(VARIANTS),
        help="record every feature under this variant of the project (custom-user: a project's "
        "own user model, with testapp.settings_custom_user)",
    )
    group.addoption(
        "--conformance-timeout",
        type=float,
        help="seconds a check may run before it ends as an `error` verdict with reason timeout "
        "(default: the Hypothesis profile's budget)",
    )
    group.addoption(
        "--conformance-hang-limit",
        type=float,
        help="seconds one setup, call or teardown may take before the session is stopped as "
        "hung, with every thread's stack in its results (default: 4 check budgets, at least "
        "120 s)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("hypothesis_profile", None):
        # Hypothesis' plugin loaded no profile: use the kit's everyday one.
        from hypothesis import settings

        settings.load_profile(profiles.DEFAULT)
        config.option.hypothesis_profile = profiles.DEFAULT
    config.addinivalue_line(
        "markers",
        "conformance(feature): the feature a check decides; its reference section and the "
        "claims it bears on come from the feature and claims data",
    )
    path = config.getoption("--conformance-results")
    if not path:
        return
    backend = config.getoption("--conformance-backend") or os.environ.get(
        database.BACKEND_ENV, "sqlite"
    )
    cell = {
        "id": config.getoption("--conformance-cell") or "local",
        "django_series": config.getoption("--conformance-series") or "",
        "backend": backend,
        "channel": config.getoption("--conformance-channel"),
        "label": config.getoption("--conformance-label"),
    }
    if column := config.getoption("--conformance-column"):
        cell["column"] = column | {"packages": installed(column.get("packages", []))}
    profile = config.getoption("hypothesis_profile")
    timeout = config.getoption("--conformance-timeout") or profiles.TIMEOUTS.get(
        profile, profiles.TIMEOUTS[profiles.DEFAULT]
    )
    state = SessionState(Path(path), cell, timeout_s=timeout)
    state.hang_limit_s = config.getoption("--conformance-hang-limit") or max(4 * timeout, 120.0)
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


def installed(requirements: list[str]) -> list[str]:
    """Each package requirement as the version installed here ("django-async-backend 6.1.0"),
    so an add-on column names what it really ran."""
    found = []
    for requirement in requirements:
        name = Requirement(requirement).name
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{requirement} (not installed)")
    return found


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
    url = os.environ.get(database.URL_ENV)
    return {
        "django": django_version,
        "python": platform.python_version(),
        "driver": database.driver(database.family(url)),
        "server": None,
        "database_url": database.mask_url(url) if url else None,
        "backend_settings": database.mask_settings(
            json.loads(os.environ.get(database.SETTINGS_ENV) or "null")
        ),
        "hypothesis_profile": config.getoption("hypothesis_profile", None),
        "hypothesis_seed": config.getoption("hypothesis_seed", None),
        "timeout_s": config.stash[STATE].timeout_s,
        "platform": platform.platform(),
    }


def pytest_sessionstart(session: pytest.Session) -> None:
    """Prove the database answers before any check runs, and record its version."""
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    try:
        state.environment["server"] = database.server_version()
    except database.DatabaseConfigError as exc:
        state.error = str(exc)
    except Exception as exc:  # the driver's own error types differ per release
        state.error = _unreachable(exc, f"cannot connect to {_server_name()}")
    if state.error:
        state.failed_at_start = True
        _write(state, status="error")
        pytest.exit(f"[{state.cell['id']}] {state.error}", returncode=3)
    state.watchdog = Watchdog(state.results_path, state.hang_limit_s)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _arm(item, "setup")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    _arm(item, "teardown")


def _arm(item: pytest.Item, when: str) -> None:
    state = item.config.stash.get(STATE, None)
    if state is not None and state.watchdog is not None:
        state.watchdog.arm(item.nodeid, when)


def _server_name() -> str:
    kind = database.family(os.environ.get(database.URL_ENV))
    return database.LABELS.get(kind, kind)


def _unreachable(exc: BaseException, what: str) -> str:
    return database.unreachable(os.environ.get(database.URL_ENV), exc, what)


_claims = functools.cache(load_claims)


@functools.cache
def claims_of(feature_id: str) -> list[str]:
    """The claims that name this feature: ``claims.toml`` is the one owner of that link."""
    return [claim["id"] for claim in _claims()["claim"] if feature_id in claim.get("features", [])]


def feature_of(item: pytest.Item) -> str:
    """The feature a check decides: its marker's, under the run's variant when it has one
    (``custom-user.auth.aauthenticate`` for a run with a project's own user model)."""
    marker = item.get_closest_marker(MARKER)
    feature_id = marker.kwargs.get("feature") or (marker.args[0] if marker.args else None)
    variant = item.config.getoption("--conformance-variant")
    return f"{variant}.{feature_id}" if variant else feature_id


@pytest.fixture
def conformance(request: pytest.FixtureRequest) -> Recorder:
    """The recorder for the check's feature, named by its ``conformance`` marker."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses `conformance` without the marker")
    found = lookup_feature(feature_of(request.node))
    recorder = Recorder(found.id, found.ref, claims_of(found.id))
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


def _stacks() -> str:
    """Where every thread is, for a check that ran past its budget."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    return "\n".join(
        f"Thread {names.get(ident, ident)}:\n" + "".join(traceback.format_stack(frame)[-12:])
        for ident, frame in sys._current_frames().items()
    )


def _stop_threads(idents: set[int], exc: type[BaseException]) -> None:
    """Raise ``exc`` in threads the check started (an event loop spinning forever), so they
    end instead of holding the session, and its exit, hostage."""
    for thread in threading.enumerate():
        if thread.ident in idents and thread is not threading.main_thread():
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(thread.ident), ctypes.py_object(exc)
            )


class _ThreadStopped(BaseException):
    """Ends a thread left running by a check that timed out."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Run the check under its time budget: past it, the check ends with ``CheckTimeout``."""
    _arm(item, "call")
    state = item.config.stash.get(STATE, None)
    if state is None or item.get_closest_marker(MARKER) is None:
        return (yield)
    before = {thread.ident for thread in threading.enumerate()}

    def expire(signum: int, frame: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        stacks = _stacks()
        started = {thread.ident for thread in threading.enumerate()} - before
        _stop_threads({ident for ident in started if ident is not None}, _ThreadStopped)
        raise CheckTimeout(state.timeout_s, stacks)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, state.timeout_s)
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    state = item.config.stash.get(STATE, None)
    recorder = item.stash.get(RECORDER, None)
    if state is None:
        return report
    decisive = report.when == "call" or (report.when == "setup" and not report.passed)
    if item.get_closest_marker(MARKER) is None or not decisive:
        if report.failed:
            state.unrecorded_failures.append(f"{item.nodeid} ({report.when})")
        return report
    state.checks.append(_check(item, report, call, recorder))
    if (
        report.failed
        and call.excinfo is not None
        and database.family(os.environ.get(database.URL_ENV)) != "sqlite"
        and not state.error
        and database.server_gone(call.excinfo.value)
    ):
        state.error = _unreachable(call.excinfo.value, f"{_server_name()} stopped answering")
        item.session.shouldstop = state.error
    return report


def _check(
    item: pytest.Item,
    report: pytest.TestReport,
    call: pytest.CallInfo[None],
    recorder: Recorder | None,
) -> dict[str, Any]:
    marker = item.get_closest_marker(MARKER)
    feature_id = feature_of(item)
    notes = list(recorder.notes) if recorder else []
    evidence = recorder.evidence if recorder else None
    if evidence is not None and recorder.extra:
        evidence = evidence | recorder.extra
    if report.skipped:
        verdict, outcome = Verdict.SKIPPED, "skipped"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        notes.append(f"skipped: {reason}")
    elif report.passed and recorder and recorder.verdict is not None:
        verdict, outcome = recorder.verdict, "passed"
    elif call.excinfo is not None and call.excinfo.errisinstance(CheckTimeout):
        timeout = call.excinfo.value
        verdict, outcome = Verdict.ERROR, "error"
        notes += [f"timeout: {timeout}", f"stuck at:\n{timeout.stacks[-4000:]}"]
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
    if state.watchdog is not None:
        state.watchdog.close()
    interrupted = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
    if interrupted and not state.error:
        state.error = f"the session was interrupted (pytest exit status {int(exitstatus)})"
    if not state.error:
        state.surface = _surface(state)
    _write(state, status="error" if state.error else "complete")
    if state.error and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    # A check that errs or times out is a verdict the report shows; whether it fails the run is
    # for the expectations to say. Only an async API no check covered is the kit's own failure.
    untested = state.surface["untested"] if state.surface else []
    untested += state.surface["unaccounted"] if state.surface else []
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    for feature_id in untested:
        if reporter is not None:
            reporter.write_line(f"untested async API: {feature_id}", red=True)
    if untested and reporter is not None:
        reporter.write_line(f"Fix: {coverage.FIX}", red=True)
    if untested and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif session.exitstatus == pytest.ExitCode.TESTS_FAILED and not (
        state.error or untested or state.unrecorded_failures
    ):
        if reporter is not None:
            reporter.write_line(
                "every failed check above is recorded as a verdict (error or timeout); the "
                "expectations decide whether that fails the run"
            )
        session.exitstatus = pytest.ExitCode.OK


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        state = items[0].config.stash.get(STATE, None)
        if state is not None:
            state.full_run = False


def _surface(state: SessionState) -> dict[str, Any] | None:
    """The installed Django's async surface, and the members no check of this run covered.

    Only a run of the whole suite (``conformance/runner/suite``, nothing deselected) can judge
    coverage; narrower runs would call everything they left out untested, so they record the
    surface only.
    """
    from conformance.runner import walk
    from conformance.runner.surface import discover, protocols

    members = [member.feature for member in discover()]
    ran = {check["feature"] for check in state.checks if check["verdict"] != Verdict.SKIPPED}
    checked = {check["feature"] for check in state.checks}
    untested = [m for m in members if m not in checked] if state.full_run else []
    walked = walk.walk()
    apis = coverage.account(walked, ran if state.full_run else None)
    return {
        "members": members,
        "protocols": protocols(),
        "untested": untested,
        "apis": apis,
        "unaccounted": coverage.unaccounted(apis) if state.full_run else [],
        "skipped_modules": [
            {"module": skipped.module, "reason": skipped.reason} for skipped in walked.skipped
        ],
        "modules_walked": walked.modules,
    }


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
