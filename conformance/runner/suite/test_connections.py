"""Connections under a real ASGI server: CONN_MAX_AGE 0, 60 and None, with and without
CONN_HEALTH_CHECKS, and psycopg 3's pool (Django 5.1+), after M sequential and M concurrent
requests, counted by the server itself (PostgreSQL's ``pg_stat_activity``, MariaDB's
``information_schema.PROCESSLIST``; the session's test database).

Issue #13, part 3. Django's docs say a connection closes at the end of each request with
``CONN_MAX_AGE = 0``, and is kept for the next request of the same thread otherwise. Under ASGI
each request runs in a new thread, so whether that holds is measured, not assumed. Cyclic garbage
collection is paused during the load: a connection the collector would close later still
outlived its request, and must be counted as such whenever the collector happens to run.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from conformance.runner import activity, asgi, measure
from conformance.runner.probe import Outcome, observed
from conformance.verdicts import Verdict
from testapp import views

M = 4
PATH = "/tags/count/"
POOL = activity.POOL

# The served requests only read what migrations created, so the test's own transaction (and no
# flush afterwards) will do; it also has pytest-django create the test database when these
# checks run alone.
pytestmark = pytest.mark.usefixtures("db")


def _load(server, settings: dict[str, Any], *, limit: int) -> dict[str, Any]:
    """M sequential then M concurrent requests under ``settings``, and the connections the
    server counts after each; whatever is left open is closed at the end, on failure too."""
    with activity.monitoring() as monitor:
        baseline = monitor.backends()
        opened = lambda: len(monitor.backends() - baseline)  # noqa: E731
        try:
            with activity.configured(**settings), activity.gc_paused():
                sequential = asgi.sequentially(server, [PATH] * M)
                after_sequential = activity.settled(opened, limit)
                concurrent = asgi.concurrently(server, [PATH] * M)
                after_concurrent = activity.settled(opened, limit)
        finally:
            activity.close_leftovers(monitor, baseline)
    exchanges = sequential + concurrent
    return {
        "m": M,
        "settings": {key: settings.get(key) for key in ("conn_max_age", "health_checks", "pool")},
        "open_after_sequential": after_sequential,
        "open_after_concurrent": after_concurrent,
        "failed": [e.line() for e in exchanges if e.status != 200][:3],
        "first_exchange": exchanges[0].to_json(),
    }


def _in_words(found: dict[str, Any]) -> str:
    return (
        f"after {M} sequential requests {found['open_after_sequential']} connection(s) open, "
        f"after {M} more concurrent ones {found['open_after_concurrent']}"
    )


def _outcome(found: dict[str, Any], *, limit: int, promise: str) -> Outcome:
    """``native`` when every request answered and the server never had more than ``limit``
    connections open after the sequential load (``limit`` after both for the pool);
    ``diverges`` when more stayed open than the documented behaviour allows."""
    evidence = {
        "snippet": measure.snippet(views.one_query) + f"\n# settings: {found['settings']}",
        # the smallest reproduction, as the report's Divergences section shows it
        "example": f"{found['settings']}: {M} sequential, then {M} concurrent GET {PATH}",
        "observed": observed("value", _in_words(found)),
        "measurements": {"connections": found},
    }
    if found["failed"]:
        first = found["first_exchange"]
        evidence["observed"] = observed(
            "exception", found["failed"][0], type_name=first.get("exception") or "HTTP error"
        )
        return Outcome(Verdict.UNSUPPORTED, evidence, found["failed"][0])
    if found["open_after_sequential"] > limit or found["open_after_concurrent"] > limit:
        return Outcome(Verdict.DIVERGES, evidence, f"{promise}, but {_in_words(found)}")
    return Outcome(Verdict.NATIVE, evidence)


def _needs_server() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no server connections to count")
    if connection.vendor not in activity.WATCH:
        pytest.skip(
            "connections are counted in PostgreSQL's pg_stat_activity and MariaDB's "
            f"information_schema.PROCESSLIST, not on {connection.vendor}"
        )


def _needs_pool() -> None:
    _needs_server()
    if connection.vendor != "postgresql":
        pytest.skip("the connection pool is psycopg 3's, for PostgreSQL only")


@pytest.mark.parametrize(
    ("conn_max_age", "health_checks"),
    [
        pytest.param(age, checks, id=f"{label}{suffix}", marks=pytest.mark.conformance(
            feature=f"production.connections.max-age-{label}{suffix}"
        ))
        for age, label in ((0, "0"), (60, "60"), (None, "none"))
        for checks, suffix in ((False, ""), (True, "-health-checks"))
    ],
)  # fmt: skip
def test_connections_after_asgi_requests(conformance, asgi_server, conn_max_age, health_checks):
    _needs_server()
    # Persistent connections: one per thread, reused by its next request; sequential requests
    # need one, and more means each request left its own behind.
    limit, promise = (
        (0, "CONN_MAX_AGE = 0 closes at each request's end")
        if conn_max_age == 0
        else (1, "persistent connections are reused by the next request")
    )
    settings = {"conn_max_age": conn_max_age, "health_checks": health_checks}
    found = _load(asgi_server, settings, limit=limit)
    conformance.record(_outcome(found, limit=limit, promise=promise))


def _pooled(server, *, conn_max_age: int) -> Outcome:
    """The pool's verdict: ``absent`` before Django 5.1, else from the load's counts."""
    absent = activity.pool_absence()
    if absent is not None:
        return absent
    found = _load(server, {"conn_max_age": conn_max_age, "pool": POOL}, limit=POOL["max_size"])
    promise = f"the pool holds at most max_size = {POOL['max_size']} connections"
    return _outcome(found, limit=POOL["max_size"], promise=promise)


@pytest.mark.conformance(feature="production.connections.pool")
def test_pooled_connections_stay_within_the_pool(conformance, asgi_server):
    _needs_pool()
    conformance.record(_pooled(asgi_server, conn_max_age=0))


@pytest.mark.conformance(feature="production.connections.pool-with-max-age")
def test_pool_and_conn_max_age_together(conformance, asgi_server):
    _needs_pool()
    conformance.record(_pooled(asgi_server, conn_max_age=60))
