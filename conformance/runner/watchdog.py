"""Budgets: how long a check may run, and the last resort for a session that stops making
progress.

The per-check budget (``check_budget``, SIGALRM) interrupts Python code inside a check with
``CheckTimeout``. The check becomes an ``error`` verdict whose notes say where it was stuck, and
the session stops there with a results file that says so: threads the check started (an event
loop spinning forever) cannot be stopped safely, so none is killed; the process exits once the
results are written. The budget cannot end a thread
blocked in C with the GIL held (a deadlock inside a database driver), and it does not cover a
fixture's setup or teardown. faulthandler's watchdog can: it is a C thread of its own that
needs no GIL. Armed for every phase of every test, past the limit it writes every thread's
stack into the hang file, after a line naming the test and phase, and ends the process. The nox
session then calls ``settle``, which turns the results file's ``incomplete`` placeholder into
an ``error`` that says where the session hung, so the report shows it and the matrix goes on.
"""

from __future__ import annotations

import faulthandler
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from conformance.results import load_json, write_json_atomically

STACKS_SHOWN = 6000  # characters of the stacks kept in the results file


class CheckTimeout(BaseException):
    """A check ran past its time budget; carries the stacks where it was stuck."""

    def __init__(self, budget: float, stacks: str) -> None:
        super().__init__(f"the check ran past its time budget of {budget:g} s")
        self.budget = budget
        self.stacks = stacks


def stacks() -> str:
    """Where every thread is, for a check that ran past its budget."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    return "\n".join(
        f"Thread {names.get(ident, ident)}:\n" + "".join(traceback.format_stack(frame)[-12:])
        for ident, frame in sys._current_frames().items()
    )


@contextmanager
def check_budget(seconds: float) -> Iterator[None]:
    """Raise ``CheckTimeout`` in the main thread once ``seconds`` have passed."""

    def expire(signum: int, frame: object) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise CheckTimeout(seconds, stacks())

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def hang_file(results: Path) -> Path:
    """Where a session writing ``results`` leaves its stacks when it hangs."""
    return results.with_name(f"{results.stem}.hang.txt")


class Watchdog:
    """Ends the process when one phase of one test runs longer than ``limit_s`` seconds (and
    at most twice that).

    Re-arming faulthandler's timer stops and starts its thread: done for each of a cell's
    ~2,200 phases it cost a second or two a cell. So the timer runs for twice the limit and is
    re-armed only once the limit has passed since it was last armed: a phase that starts at
    any moment in between still has at least ``limit_s`` seconds before the timer fires.
    """

    def __init__(self, results: Path, limit_s: float) -> None:
        self.path = hang_file(results)
        self.limit_s = limit_s
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        self._armed_at: float | None = None

    def arm(self, nodeid: str, when: str) -> None:
        """Start the clock for ``when`` (setup, call or teardown) of ``nodeid``."""
        self._file.seek(0)
        self._file.truncate()
        self._file.write(f"{nodeid} ({when}) did not end within {self.limit_s:g} s\n")
        self._file.flush()
        now = time.monotonic()
        if self._armed_at is None or now - self._armed_at >= self.limit_s:
            faulthandler.dump_traceback_later(2 * self.limit_s, exit=True, file=self._file)
            self._armed_at = now

    def close(self) -> None:
        """The session ended by itself: nothing hung."""
        faulthandler.cancel_dump_traceback_later()
        self._file.close()
        self.path.unlink(missing_ok=True)


def settle(results: Path) -> str | None:
    """After the session's process ended: if the watchdog stopped it, rewrite the results file
    as an ``error`` naming the test and phase that hung, with the stacks, and return that
    error; otherwise ``None``, leaving the results as the session wrote them."""
    stacks_path = hang_file(results)
    if not stacks_path.exists():
        return None
    text = stacks_path.read_text(encoding="utf-8", errors="replace")
    stacks_path.unlink()
    where, _, stacks = text.partition("\n")
    if not stacks.strip():  # armed, but the process ended some other way
        return None
    document = load_json(results)
    if document.get("status") != "incomplete":
        return None
    error = f"the session hung and was stopped: {where}"
    document["status"] = "error"
    # faulthandler writes the most recent call first: the head is where each thread waits
    document["error"] = f"{error}. Stuck at:\n{stacks.strip()[:STACKS_SHOWN]}"
    write_json_atomically(results, document)
    return error
