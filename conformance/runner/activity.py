"""What the database server sees while the served testapp works, and the settings it works under.

PostgreSQL is watched from its own view, ``pg_stat_activity``, and MariaDB from
``information_schema.PROCESSLIST``, through a connection of the kit's that is not Django's (to
no database, or PostgreSQL's ``postgres``, so it is never counted with the test database's).
SQLite has no server: its sleeping queries note their own thread and times
(``testapp.views.SQLITE_SLEEPS``). Every number here is a count; timings only go to evidence.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections

from conformance.runner.probe import Outcome, observed
from conformance.verdicts import Verdict

SAMPLE_EVERY_S = 0.005
SETTLE_S = 0.1  # a closed connection leaves pg_stat_activity within milliseconds
SETTLE_LIMIT_S = 1.0
CLOSE_LIMIT_S = 3.0
# psycopg 3's pool as the checks configure it (its min_size, 4, keeps four connections open).
POOL = {"max_size": 4, "timeout": 10}


class LeftOpen(Exception):
    """Connections the kit opened (through the served app) that it could not close."""


# Per server: its connections to a database (without the asking one), those inside a sleep,
# and a description of some of them. MariaDB's SLEEP() is PostgreSQL's pg_sleep().
WATCH = {
    "postgresql": {
        "backends": "SELECT pid FROM pg_stat_activity WHERE datname = %s "
        "AND pid <> pg_backend_pid()",
        "sleeping": "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
        "AND state = 'active' AND query LIKE %s AND pid <> pg_backend_pid()",
        "sleep": "%pg_sleep%",
        "describe": "SELECT pid, state, left(query, 80) FROM pg_stat_activity WHERE pid = ANY(%s)",
    },
    "mysql": {
        "backends": "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s "
        "AND ID <> CONNECTION_ID()",
        "sleeping": "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s "
        "AND COMMAND = 'Query' AND INFO LIKE %s AND ID <> CONNECTION_ID()",
        "sleep": "%SLEEP(%",
        "describe": "SELECT ID, COMMAND, LEFT(COALESCE(INFO, ''), 80) "
        "FROM information_schema.PROCESSLIST WHERE FIND_IN_SET(ID, %s)",
    },
}


class Monitor:
    """A connection of the kit's own to the server of the session's test database."""

    def __init__(self) -> None:
        wrapper = connections["default"]
        settings = wrapper.settings_dict
        self.vendor = wrapper.vendor
        self.sql = WATCH[self.vendor]
        self.database = settings["NAME"]
        params: dict[str, Any] = {
            "user": settings.get("USER"),
            "password": settings.get("PASSWORD"),
            "host": settings.get("HOST"),
            "port": settings.get("PORT"),
            "connect_timeout": 5,
        }
        if self.vendor == "postgresql":
            params["dbname"] = "postgres"
        elif params["port"]:
            params["port"] = int(params["port"])
        self.raw = wrapper.Database.connect(
            **{key: value for key, value in params.items() if value}
        )
        if callable(self.raw.autocommit):  # MySQLdb's is a method, psycopg's an attribute
            self.raw.autocommit(True)
        else:
            self.raw.autocommit = True
        self.lock = threading.Lock()

    def _one(self, sql: str, params: tuple[Any, ...]) -> Any:
        with self.lock:
            cursor = self.raw.cursor()
            try:
                cursor.execute(sql, params)
                return cursor.fetchall()
            finally:
                cursor.close()

    def backends(self) -> set[int]:
        """The server processes connected to the test database (one per client connection)."""
        return {pid for (pid,) in self._one(self.sql["backends"], (self.database,))}

    def sleeping(self) -> int:
        """How many queries of the test database are inside a sleep right now."""
        return self._one(self.sql["sleeping"], (self.database, self.sql["sleep"]))[0][0]

    def describe(self, pids: set[int]) -> list[str]:
        listed = sorted(pids) if self.vendor == "postgresql" else ",".join(map(str, sorted(pids)))
        rows = self._one(self.sql["describe"], (listed,))
        return [f"pid {pid} ({state}): {query}" for pid, state, query in rows]

    def close(self) -> None:
        self.raw.close()


@contextmanager
def monitoring() -> Iterator[Monitor]:
    monitor = Monitor()
    try:
        yield monitor
    finally:
        monitor.close()


def max_while(sample: Callable[[], int], work: Callable[[], Any]) -> tuple[int, Any]:
    """The largest ``sample()`` seen, every few milliseconds, while ``work()`` runs; and its
    result. The sampler stops with the work, whatever happens."""
    done = threading.Event()
    seen = [0]

    def sampler() -> None:
        while not done.is_set():
            seen[0] = max(seen[0], sample())
            done.wait(SAMPLE_EVERY_S)

    thread = threading.Thread(target=sampler, name="conformance-sampler", daemon=True)
    thread.start()
    try:
        result = work()
    finally:
        done.set()
        thread.join(5)
    return seen[0], result


def max_overlap(intervals: list[tuple[int, float, float]]) -> int:
    """The most intervals (thread, start, end) open at one instant; an end before a start."""
    events = sorted(
        [(start, 1) for _, start, _ in intervals] + [(end, -1) for _, _, end in intervals]
    )
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def settled(count: Callable[[], int], at_most: int) -> int:
    """``count()`` once it is at most ``at_most`` (what the settings allow), or once it stops
    changing: connections being closed leave within milliseconds, a connection left open stays.
    Bounded by ``SETTLE_LIMIT_S``, so a loaded machine delays the answer but cannot change it."""
    deadline = time.monotonic() + SETTLE_LIMIT_S
    last = count()
    while last > at_most and time.monotonic() < deadline:
        time.sleep(SETTLE_S)
        now = count()
        if now == last:
            break
        last = now
    return last


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a connection Django left open stays open until we
    count it, instead of closing whenever the collector happens to run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def close_leftovers(monitor: Monitor, baseline: set[int]) -> None:
    """Close what the served app left open (garbage-collecting dead threads' connections) and
    wait for the server to see them gone; ``LeftOpen`` names any that remain."""
    if monitor.backends() - baseline:
        # What the load left is young (collection was paused during it): the youngest
        # generation first, which is cheap; everything only if that was not enough.
        gc.collect(0)
        if monitor.backends() - baseline:
            gc.collect()
    deadline = time.monotonic() + CLOSE_LIMIT_S
    while (remaining := monitor.backends() - baseline) and time.monotonic() < deadline:
        time.sleep(SETTLE_S)
    if remaining:
        raise LeftOpen(
            f"{len(remaining)} connection(s) to {monitor.database} opened by the served app "
            f"are still open after {CLOSE_LIMIT_S:g} s: {'; '.join(monitor.describe(remaining))}"
        )


def has_pool() -> bool:
    """Whether this Django's PostgreSQL backend has psycopg 3's pool (Django 5.1+)."""
    return hasattr(type(connections["default"]), "close_pool")


def pool_absence() -> Outcome | None:
    """``absent``, naming what is missing, when this Django's backend has no pool; else None."""
    if has_pool():
        return None
    backend = type(connections["default"])
    found = observed("absent", f"{backend.__module__}.DatabaseWrapper has no close_pool()")
    return Outcome(Verdict.ABSENT, {"snippet": f"OPTIONS={{'pool': {POOL}}}", "observed": found})


@contextmanager
def configured(
    *, conn_max_age: int | None = 0, health_checks: bool = False, pool: dict | None = None
) -> Iterator[dict[str, Any]]:
    """The default database's settings changed for every thread's new connections, then put
    back. The test thread's own connection is closed on both sides, so it never crosses a
    change (a pooled connection must go back to its pool, an unpooled one must not), unless
    it holds the test's transaction: then it stays open, unpooled, and unused inside."""
    settings = connections.settings["default"]
    saved = {key: settings.get(key) for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS")}
    options = dict(saved["OPTIONS"] or {})
    # The checks decide the pool themselves: a column whose own settings pool its connections
    # (a backends file's OPTIONS) is measured with and without one like every other column.
    options.pop("pool", None)
    if pool is not None:
        options["pool"] = pool
    _close_outside_transaction()
    settings.update(CONN_MAX_AGE=conn_max_age, CONN_HEALTH_CHECKS=health_checks, OPTIONS=options)
    shown = {"CONN_MAX_AGE": conn_max_age, "CONN_HEALTH_CHECKS": health_checks, "pool": pool}
    try:
        yield shown
    finally:
        try:
            if pool is not None and has_pool():
                # The pool is the backend's, per alias, shared by every thread: close it, but
                # not through close_pool(), which raises while CONN_MAX_AGE != 0.
                pools = type(connections["default"])._connection_pools
                if "default" in pools:
                    pools.pop("default").close()
        finally:
            _close_outside_transaction()
            settings.update(saved)


def _close_outside_transaction() -> None:
    if not connections["default"].in_atomic_block:
        connections["default"].close()
