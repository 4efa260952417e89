"""pytest plugin: the hooks that turn the suite's outcomes into verdicts and write the session's
results.

Loaded with ``-p conformance.runner.plugin``. Checks carry ``@pytest.mark.conformance(feature=...)``
and report what they saw through the ``conformance`` fixture; this plugin only gathers. At
start it proves the database is reachable (one clear error line otherwise) and writes an
``incomplete`` results file, replaced atomically at the end, so a killed session shows as such.
The verdict rules are in ``recording``; the time budgets in ``watchdog``.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from conformance.features import VARIANTS
from conformance.features import feature as lookup_feature
from conformance.runner import coverage, database, profiles
from conformance.runner.recording import (
    MARKER,
    Diverged,
    Recorder,
    SessionState,
    check_entry,
    claims_of,
    environment,
    feature_of,
    surface,
    write,
)
from conformance.runner.watchdog import CheckTimeout, Watchdog, check_budget

STATE = pytest.StashKey[SessionState]()
RECORDER = pytest.StashKey[Recorder]()


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    """A check that ends with its (shrunk) divergence has done its job: it passes, and its
    verdict, ``diverges``, is the finding."""
    try:
        return (yield)
    except Diverged:
        return True


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
    profiles.bound_shrinking(timeout)
    state = SessionState(Path(path), cell, timeout_s=timeout)
    state.hang_limit_s = config.getoption("--conformance-hang-limit") or max(4 * timeout, 120.0)
    config.stash[STATE] = state
    suite = (Path(__file__).parent / "suite").resolve()
    state.full_run = any(Path(arg).resolve() == suite for arg in config.args) and not (
        config.getoption("keyword") or config.getoption("markexpr")
    )
    state.environment = environment(config, timeout)
    write(state, status="incomplete")
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
        write(state, status="error")
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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Run the check under its time budget: past it, the check ends with ``CheckTimeout``."""
    _arm(item, "call")
    state = item.config.stash.get(STATE, None)
    if state is None or item.get_closest_marker(MARKER) is None:
        return (yield)
    with check_budget(state.timeout_s):
        return (yield)


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
    state.checks.append(check_entry(item, report, call, recorder))
    if call.excinfo is not None and call.excinfo.errisinstance(CheckTimeout):
        _end_after_timeout(item, state)
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


def _end_after_timeout(item: pytest.Item, state: SessionState) -> None:
    """A check ran past its budget: write the results, saying so, and end the process now.

    Threads the check started may still run (an event loop spinning for ever), and its
    teardown may wait for them for ever; no thread is killed, so nothing after this check can
    be trusted to end. The checks recorded so far keep their verdicts; the cell is ``error``.
    """
    state.error = (
        f"{item.nodeid} ran past its time budget of {state.timeout_s:g} s, so the session "
        "stopped there (its stacks are in the check's notes). Fix: the check's verdict is "
        "`error`; re-run the cell once it is fixed, or raise --conformance-timeout."
    )
    if state.watchdog is not None:
        state.watchdog.close()
    write(state, status="error")
    sys.stdout.flush()
    sys.stderr.write(f"\n[{state.cell['id']}] {state.error}\n")
    sys.stderr.flush()
    os._exit(int(pytest.ExitCode.TESTS_FAILED))


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
        state.surface = surface(state)
    write(state, status="error" if state.error else "complete")
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
