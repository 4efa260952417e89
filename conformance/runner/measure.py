"""Measuring helpers for the pattern, workaround and performance checks.

Query counts come from ``CaptureQueriesContext`` on the test thread's connection: coroutines run
through ``async_to_sync`` from that thread, and Django sends their ``sync_to_async`` work back to
it, so every query the async side runs lands in the same log. Timings are medians over repeated
runs in one process, with their spread, and never decide a verdict.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from asgiref.sync import async_to_sync
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from conformance.runner.probe import (
    UNSENT,
    Outcome,
    evidence,
    observe_async,
    observed,
    rolled_back,
    snippet,
)
from conformance.verdicts import Verdict


@contextmanager
def queries() -> Iterator[CaptureQueriesContext]:
    """Capture every query of the test thread's connection (async calls included).

    The connection is resolved here, on the test thread, not through Django's per-thread proxy,
    so that reading the capture from inside a coroutine still reads this connection's log.
    """
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
        yield captured


def statements(captured: CaptureQueriesContext, start: int = 0) -> list[str]:
    """The SQL captured since ``start``, without savepoint bookkeeping."""
    sqls = (query["sql"] or UNSENT for query in captured.captured_queries[start:])
    return [sql for sql in sqls if "SAVEPOINT" not in sql.upper()]


def count_statements(sqls: list[str], verb: str) -> int:
    """How many of ``sqls`` start with ``verb`` (``INSERT``, ``SELECT``...)."""
    return sum(1 for sql in sqls if sql.lstrip().upper().startswith(verb))


def with_evidence(outcome: Outcome, *, queries: int | None = None, **measurements: Any) -> Outcome:
    """The outcome with query counts and measurements added to its evidence."""
    evidence = dict(outcome.evidence)
    if queries is not None:
        evidence["queries"] = queries
    if measurements:
        evidence["measurements"] = {**evidence.get("measurements", {}), **measurements}
    return replace(outcome, evidence=evidence)


def ran(function: Callable[[], Awaitable[Any]], **measurements: Any) -> Outcome:
    """A verdict for code that needs no wrapping by design (it already uses ``sync_to_async``).

    ``native`` when it ran inside a coroutine, ``unsupported`` when it raised, with the
    exception as evidence.
    """
    with rolled_back():
        seen = observe_async(function)
    outcome = Outcome(
        Verdict.UNSUPPORTED if seen.raised else Verdict.NATIVE,
        evidence(snippet(function), seen.to_json()),
        f"it raised {type(seen.exception).__name__}" if seen.raised else "",
    )
    return with_evidence(outcome, **measurements) if measurements else outcome


def run_async(function: Callable[[], Awaitable[Any]]) -> Any:
    """Await ``function()`` from the test thread, sharing its connection and transaction."""
    return async_to_sync(function)()


def spread(samples: list[float], digits: int = 7) -> dict[str, float]:
    """Median, quartiles, minimum and maximum of ``samples``, rounded for the report.

    A timing is evidence, not a verdict: its spread over repeats shows how far one machine's
    figure can be trusted, which a bare median hides.
    """
    q1, _, q3 = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
    return {
        "median": round(statistics.median(samples), digits),
        "q1": round(q1, digits),
        "q3": round(q3, digits),
        "min": round(min(samples), digits),
        "max": round(max(samples), digits),
        "runs": len(samples),
    }


def per_call_sync(call: Callable[[], Any], *, calls: int, runs: int) -> list[float]:
    """Seconds per call of ``call``, over ``runs`` batches of ``calls`` on the test thread."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(calls):
            call()
        samples.append((time.perf_counter() - started) / calls)
    return samples


def per_call_async(call: Callable[[], Awaitable[Any]], *, calls: int, runs: int) -> list[float]:
    """Seconds per awaited call, timed inside one event loop like ``per_call_sync``."""

    async def batches() -> list[float]:
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            for _ in range(calls):
                await call()
            samples.append((time.perf_counter() - started) / calls)
        return samples

    return run_async(batches)


def outcome_of_runs(what: str, failures: dict[str, str], *, calls_per_run: int) -> Outcome:
    """The verdict of a timed check: ``native`` when every timed async call ran in the
    coroutine, ``unsupported`` (naming the calls that raised) otherwise. Never a timing."""
    if failures:
        message = "; ".join(f"{name}: {error}" for name, error in failures.items())
        found = evidence(what, observed("exception", message))
        return Outcome(Verdict.UNSUPPORTED, found, message)
    ran_all = observed("value", f"every async call ran ({calls_per_run} per timed run)")
    return Outcome(Verdict.NATIVE, evidence(what, ran_all))
