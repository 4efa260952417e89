"""Children that cannot outlive their budget: every one has a timeout, and stopping one goes
terminate, a grace period, then kill."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager

GRACE_S = 5.0  # how long a child may take to exit after SIGTERM before it is killed


def stop(process: subprocess.Popen, grace_s: float = GRACE_S) -> None:
    """Terminate ``process``, and kill it if it has not exited within ``grace_s``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace_s)  # SIGKILL cannot be refused: this returns at once


def run(
    argv: Sequence[str],
    *,
    timeout_s: float,
    capture: bool = True,
    env: Mapping[str, str] | None = None,
    new_session: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` to its end or for ``timeout_s`` seconds, whichever comes first.

    Past the timeout the child is stopped (terminate, then kill) and ``TimeoutExpired`` raised.
    ``capture=False`` lets the output through, for the long installs a user watches.
    ``new_session`` detaches the child from our process group, so that a Ctrl-C meant for nox
    does not reach a server the child leaves running.
    """
    pipe = subprocess.PIPE if capture else None
    with subprocess.Popen(
        list(argv), stdout=pipe, stderr=pipe, text=True, env=env, start_new_session=new_session
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout_s)
        except BaseException:  # the timeout, or Ctrl-C / SIGTERM reaching us meanwhile
            stop(process)
            raise
    return subprocess.CompletedProcess(list(argv), process.returncode, out, err)


@contextmanager
def alongside(
    argv: Sequence[str], *, timeout_s: float, env: Mapping[str, str] | None = None
) -> Iterator[Callable[[], subprocess.CompletedProcess[str]]]:
    """Run ``argv`` in the background while the block runs, its output (stdout and stderr
    together) kept aside so that it does not interleave with the block's.

    The block gets a function that waits for the child (at most ``timeout_s`` from its start,
    then it is stopped and ``TimeoutExpired`` raised) and returns its exit code and output.
    Leaving the block stops a child still running (the block failed, or never waited)."""
    deadline = time.monotonic() + timeout_s
    with tempfile.TemporaryFile("w+", encoding="utf-8") as output:
        process = subprocess.Popen(
            list(argv), stdout=output, stderr=subprocess.STDOUT, text=True, env=env
        )

        def finish() -> subprocess.CompletedProcess[str]:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except BaseException:  # the timeout, or Ctrl-C / SIGTERM reaching us meanwhile
                stop(process)
                raise
            output.seek(0)
            return subprocess.CompletedProcess(list(argv), process.returncode, output.read(), "")

        try:
            yield finish
        finally:
            stop(process)
