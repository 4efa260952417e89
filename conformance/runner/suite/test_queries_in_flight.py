"""How many queries run at once under a real ASGI server: gathered in one request, in
``sync_to_async(thread_sensitive=False)`` threads, as concurrent requests, and with the pool.

Issue #13, part 2. Each query sleeps inside the database (``pg_sleep``; on SQLite a function
that notes its thread and times). PostgreSQL's ``pg_stat_activity`` is sampled from the kit's
own connection; SQLite's count is the largest overlap of the sleeps' intervals. For N = 1, 2,
4, 8 the maximum in flight is the figure; a verdict looks only at that count ("more than one
at N = 8"), never at a time, so it does not depend on the machine's speed.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any

import pytest
from django.db import connection

from conformance.runner import activity, asgi, measure
from conformance.runner.probe import Outcome, observed
from conformance.verdicts import Verdict
from testapp import views

NS = (1, 2, 4, 8)
# Long enough for pg_stat_activity's sampler to see each overlap on a loaded machine; SQLite's
# sleeps note their own times, so a shorter one shows any overlap there.
SLEEP_S = {"postgresql": 0.05, "mysql": 0.05, "sqlite": 0.02}


def _paths(series: str, n: int) -> list[str]:
    seconds = SLEEP_S[connection.vendor]
    if series in ("requests", "pool"):
        return [f"/sleep/once/?seconds={seconds}"] * n
    return [f"/sleep/{series}/?n={n}&seconds={seconds}"]


def _measure(server, series: str, n: int) -> dict[str, Any]:
    """One load of ``n`` sleeping queries: the most in flight, the wall time, the exchanges."""
    paths = _paths(series, n)
    started = time.perf_counter()
    if connection.vendor in activity.WATCH:
        with activity.monitoring() as monitor:
            peak, exchanges = activity.max_while(
                monitor.sleeping, lambda: asgi.concurrently(server, paths)
            )
    else:
        views.SQLITE_SLEEPS.clear()
        exchanges = asgi.concurrently(server, paths)
        peak = activity.max_overlap(views.SQLITE_SLEEPS)
    failed = [e.line() for e in exchanges if e.status != 200]
    return {
        "n": n,
        "max_in_flight": peak,
        "seconds": round(time.perf_counter() - started, 4),
        "failed": failed[:3],
    }


class InFlight:
    """Each series measured once per session, by the first check that needs it."""

    def __init__(self, server) -> None:
        self.server = server
        self.measured: dict[str, list[dict[str, Any]]] = {}

    def series(self, name: str) -> list[dict[str, Any]]:
        if connection.vendor not in SLEEP_S:
            pytest.skip(
                "queries in flight are counted on PostgreSQL (pg_stat_activity), MariaDB "
                "(information_schema.PROCESSLIST) and SQLite (its sleeps' own times), not on "
                f"{connection.vendor}"
            )
        if name not in self.measured:
            pooled = activity.configured(pool=activity.POOL) if name == "pool" else nullcontext()
            with pooled:
                self.measured[name] = [_measure(self.server, name, n) for n in NS]
        return self.measured[name]


@pytest.fixture(scope="module")
def in_flight(asgi_serving) -> InFlight:
    return InFlight(asgi_serving)


def _peak(rows: list[dict[str, Any]]) -> int:
    return max(row["max_in_flight"] for row in rows)


def _outcome(
    what: str, rows: list[dict[str, Any]], snippet: str, wrapped: list[dict[str, Any]] | None
) -> Outcome:
    """``native`` when more than one query ran at once at the largest N (and no request
    failed); ``needs-sync-to-async`` when only the wrapped form got there; else ``unsupported``."""
    failed = [line for row in rows for line in row["failed"]]
    figures = ", ".join(f"N={row['n']}: {row['max_in_flight']}" for row in rows)
    seen = observed("value", f"{what}: most queries in flight {figures}")
    if failed:
        seen = observed("exception", f"{what}: {failed[0]}", type_name="HTTP error")
    found: dict[str, Any] = {"snippet": snippet, "observed": seen}
    if wrapped is not None:
        found["wrapped"] = observed(
            "value",
            "sync_to_async(thread_sensitive=False): most in flight "
            + ", ".join(f"N={row['n']}: {row['max_in_flight']}" for row in wrapped),
        )
    if not failed and _peak(rows) > 1:
        return Outcome(Verdict.NATIVE, found)
    reason = f"{what}: at most {_peak(rows)} query in flight for N up to {NS[-1]}"
    if wrapped is not None and _peak(wrapped) > 1:
        return Outcome(Verdict.NEEDS_SYNC_TO_ASYNC, found, reason)
    return Outcome(Verdict.UNSUPPORTED, found, failed[0] if failed else reason)


def _record(
    conformance, outcome: Outcome, series: dict[str, list[dict[str, Any]]], **extra: Any
) -> None:
    """The verdict with every series measured for it; ``peak_in_flight`` is the deciding
    series' (the first), the figure the claims audit reads."""
    conformance.record(
        measure.with_evidence(
            outcome,
            in_flight=series,
            peak_in_flight=_peak(next(iter(series.values()))),
            sleep_s=SLEEP_S[connection.vendor],
            sampled_by={"postgresql": "pg_stat_activity", "mysql": "PROCESSLIST"}.get(
                connection.vendor, "threads"
            ),
            # where the counts come from: a server database or the SQLite file
            database=connection.settings_dict["NAME"],
            **extra,
        )
    )


@pytest.mark.conformance(feature="production.in-flight.gather")
def test_gathered_orm_calls_in_one_request_run_at_once(conformance, in_flight, asgi_server, db):
    gather, threads = in_flight.series("gathered"), in_flight.series("threads")
    outcome = _outcome(
        "asyncio.gather of N async ORM calls in one request",
        gather,
        asgi.snippets(views.sleep_gathered, views.sleep_threads),
        threads,
    )
    _record(conformance, outcome, {"gather": gather, "threads": threads})


@pytest.mark.conformance(feature="production.in-flight.threads")
def test_thread_insensitive_calls_in_one_request_run_at_once(
    conformance, in_flight, asgi_server, db
):
    threads = in_flight.series("threads")
    outcome = _outcome(
        "N sync_to_async(thread_sensitive=False) calls gathered in one request",
        threads,
        asgi.snippets(views._sleep_in_thread, views.sleep_threads),
        None,
    )
    _record(conformance, outcome, {"threads": threads})


@pytest.mark.conformance(feature="production.in-flight.requests")
def test_concurrent_requests_run_their_queries_at_once(conformance, in_flight, asgi_server, db):
    requests = in_flight.series("requests")
    outcome = _outcome("N concurrent requests", requests, asgi.snippets(views.sleep_once), None)
    _record(conformance, outcome, {"requests": requests})


@pytest.mark.conformance(feature="production.in-flight.pool")
def test_concurrent_requests_with_the_pool_run_at_once(conformance, in_flight, asgi_server, db):
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is psycopg 3's, for PostgreSQL only")
    if (absent := activity.pool_absence()) is not None:
        conformance.record(absent)
        return
    pool = in_flight.series("pool")
    outcome = _outcome(
        f"N concurrent requests, OPTIONS pool={activity.POOL}",
        pool,
        asgi.snippets(views.sleep_once),
        None,
    )
    _record(conformance, outcome, {"pool": pool}, pool_options=activity.POOL)
