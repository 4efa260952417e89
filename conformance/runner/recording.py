"""Verdict recording: what each check observed, folded into the session's results file.

The plugin's hooks (``conformance.runner.plugin``) call these; they hold no pytest hook of their
own, so the rules that turn an outcome into a verdict read in one place.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.claims import load as load_claims
from conformance.headline import headline_rank
from conformance.results import SCHEMA_VERSION, write_results
from conformance.runner import coverage, database, profiles
from conformance.runner.watchdog import CheckTimeout, Watchdog
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


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat(timespec="seconds")


def environment(config: pytest.Config, timeout_s: float) -> dict[str, Any]:
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
        "timeout_s": timeout_s,
        "platform": platform.platform(),
    }


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


def check_entry(
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
        timeout: CheckTimeout = call.excinfo.value
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


def surface(state: SessionState) -> dict[str, Any] | None:
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


def write(state: SessionState, *, status: str) -> None:
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
