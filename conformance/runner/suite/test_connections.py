"""Connections under a real ASGI server: CONN_MAX_AGE 0, 60 and None, with and without
CONN_HEALTH_CHECKS, and psycopg 3's pool (Django 5.1+), after M sequential and M concurrent
requests, counted by the server itself (PostgreSQL's ``pg_stat_activity``, MariaDB's
``information_schema.PROCESSLIST``; the session's test database).

Issue #13, part 3. Django's docs say a connection closes at the end of each request with
``CONN_MAX_AGE = 0``, and is kept for the next request of the same thread otherwise. Under ASGI
each request runs in a new thread, so whether that holds is measured, not assumed. Cyclic garbage
collection is paused during the load: a connection the collector would close later still
outlived its request, and must be counted as such whenever the collector happens to run.

The sync twin (issue #25): the same load, under the same settings, against the view's sync twin
served by Django's own WSGI server in one thread (a gunicorn sync worker's shape). Its counts
stand beside the async ones in the evidence, the reason and the report.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from django.core.wsgi import get_wsgi_application
from django.db import connection

from conformance.runner import activity, asgi, measure, server
from conformance.runner.probe import Outcome, observed
from conformance.verdicts import Verdict
from testapp import views

M = 4
PATH = "/tags/count/"
SYNC_PATH = "/tags/count/sync/"  # the same query in a sync view
SYNC_SERVER = "WSGI (Django's sync path, one server thread)"
POOL = activity.POOL

# The served requests only read what migrations created, so the test's own transaction (and no
# flush afterwards) will do; it also has pytest-django create the test database when these
# checks run alone.
pytestmark = pytest.mark.usefixtures("db")


def _counts(
    serve: Callable[[], AbstractContextManager[server.Server]],
    path: str,
    settings: dict[str, Any],
    *,
    limit: int,
) -> dict[str, Any]:
    """M sequential then M concurrent requests to ``path`` on the server ``serve`` gives, under
    ``settings``, and the connections the database server counts after each. The web server
    stops before the leftovers are closed (a sync server's thread holds its connection until
    it ends); whatever is left open is closed at the end, on failure too."""
    with activity.monitoring() as monitor:
        baseline = monitor.backends()
        opened = lambda: len(monitor.backends() - baseline)  # noqa: E731
        try:
            with activity.configured(**settings), activity.gc_paused(), serve() as served:
                sequential = asgi.sequentially(served, [path] * M)
                after_sequential = activity.settled(opened, limit)
                concurrent = asgi.concurrently(served, [path] * M)
                after_concurrent = activity.settled(opened, limit)
        finally:
            activity.close_leftovers(monitor, baseline)
    exchanges = sequential + concurrent
    return {
        "open_after_sequential": after_sequential,
        "open_after_concurrent": after_concurrent,
        "failed": [e.line() for e in exchanges if e.status != 200][:3],
        "first_exchange": exchanges[0].to_json(),
    }


def _load(
    served: server.Server, settings: dict[str, Any], *, limit: int, sync_twin: bool = True
) -> dict[str, Any]:
    """The load on the ASGI server, then (``sync_twin``) the same load on the sync view over
    WSGI, under the same settings."""
    found = {
        "m": M,
        "settings": {key: settings.get(key) for key in ("conn_max_age", "health_checks", "pool")},
    } | _counts(lambda: nullcontext(served), PATH, settings, limit=limit)
    if sync_twin:
        wsgi = lambda: server.serving_wsgi(get_wsgi_application())  # noqa: E731
        found["wsgi"] = {"server": SYNC_SERVER, "path": SYNC_PATH} | _counts(
            wsgi, SYNC_PATH, settings, limit=limit
        )
    return found


def _in_words(found: dict[str, Any]) -> str:
    return (
        f"after {M} sequential requests {found['open_after_sequential']} connection(s) open, "
        f"after {M} more concurrent ones {found['open_after_concurrent']}"
    )


def _over(found: dict[str, Any], limit: int) -> bool:
    return found["open_after_sequential"] > limit or found["open_after_concurrent"] > limit


def _outcome(found: dict[str, Any], *, limit: int, promise: str) -> Outcome:
    """``native`` when every request answered and the server never had more than ``limit``
    connections open after either load (what Django's docs promise); ``diverges`` when more
    stayed open. The sync twin's counts over WSGI go beside the async ones in the evidence and
    the reason, which says whether the sync path kept the promise, so no text about them can
    contradict the figures."""
    wsgi = found.get("wsgi")
    evidence = {
        "snippet": measure.snippet(views.one_query) + f"\n# settings: {found['settings']}",
        # the smallest reproduction, as the report's Divergences section shows it
        "example": f"{found['settings']}: {M} sequential, then {M} concurrent GET {PATH}",
        "observed": observed("value", "ASGI: " + _in_words(found)),
        "measurements": {"connections": found},
    }
    if wsgi is not None:
        evidence["snippet"] += "\n\n# sync twin, served over WSGI\n" + measure.snippet(
            views.one_query_sync
        )
        evidence["sync_twin"] = (
            observed("exception", wsgi["failed"][0], type_name="HTTP error")
            if wsgi["failed"]
            else observed("value", "WSGI: " + _in_words(wsgi))
        )
    if found["failed"]:
        first = found["first_exchange"]
        evidence["observed"] = observed(
            "exception", found["failed"][0], type_name=first.get("exception") or "HTTP error"
        )
        return Outcome(Verdict.UNSUPPORTED, evidence, found["failed"][0])
    if not _over(found, limit):
        return Outcome(Verdict.NATIVE, evidence)
    reason = f"{promise}, but under ASGI {_in_words(found)}"
    if wsgi is not None and not wsgi["failed"]:
        kept = "the sync path keeps to it" if not _over(wsgi, limit) else "the sync path too"
        reason += f"; {kept}: under {SYNC_SERVER} {_in_words(wsgi)}"
    return Outcome(Verdict.DIVERGES, evidence, reason)


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
def test_connections_after_asgi_requests_against_wsgi(
    conformance, asgi_server, conn_max_age, health_checks
):
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


def _pooled(served: server.Server, *, conn_max_age: int) -> Outcome:
    """The pool's verdict: ``absent`` before Django 5.1, else from the load's counts. The pool
    is one per process, so its load runs on the ASGI server only (its promise is its size)."""
    absent = activity.pool_absence()
    if absent is not None:
        return absent
    settings = {"conn_max_age": conn_max_age, "pool": POOL}
    found = _load(served, settings, limit=POOL["max_size"], sync_twin=False)
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
