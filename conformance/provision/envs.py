"""One environment per Django release, shared by the cells of its stock backends.

A release's SQLite, PostgreSQL and MariaDB cells need the same Django and suite; only their
driver differs, and drivers coexist. So they share ``.nox/django-<release>``: the first cell
creates it (uv, under a lock, so parallel cells wait instead of building it twice), and a cell
whose driver is missing adds it. An add-on column (one that brings packages of its own, such as
django-async-backend) keeps an environment of its own, so its packages never leak into the
stock backends' verdicts.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from conformance.matrix import Cell
from conformance.provision import processes

CREATE_TIMEOUT_S = 300
INSTALL_TIMEOUT_S = 1800  # a cold install may compile a driver (mysqlclient)
STAMP = "conformance-requirements.json"  # the requirements installed so far


class EnvError(Exception):
    """An environment could not be made; the message names the command that failed."""


def name(cell: Cell) -> str:
    """``django-6-1`` for a stock backend, ``django-6-1-async-backend`` for an add-on column."""
    key = f"django-{cell.release.key}".replace(".", "-")
    return f"{key}-{cell.backend.name}" if cell.backend.packages else key


def python(location: Path) -> Path:
    return location / "bin" / "python"


def ensure(
    location: Path,
    interpreter: str,
    requirements: Sequence[str],
    log: Callable[[str], None],
    uv: Sequence[str] = ("uv",),
) -> Path:
    """The environment at ``location`` with ``requirements`` installed; its Python's path.

    A requirement is one argument of ``uv pip install`` (``--editable=PATH`` for a checkout).

    Requirements already installed (recorded in the stamp file) are not installed again, so a
    warm run does no install at all.
    """
    location.parent.mkdir(parents=True, exist_ok=True)
    stamp = location / STAMP
    with open(f"{location}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        installed = set(json.loads(stamp.read_text())) if stamp.exists() else set()
        wanted = list(requirements)
        # A checkout replaces the one installed before (the source moved, or was a temporary
        # copy): uv would otherwise be asked to install an old path that may be gone.
        installed = {r for r in installed if not r.startswith("--editable=") or r in wanted}
        if not python(location).exists():
            log(f"creating {location} with Python {interpreter}")
            _run([*uv, "venv", "--quiet", "--python", interpreter, str(location)], CREATE_TIMEOUT_S)
            installed = set()
        if not set(wanted) <= installed:
            log(f"installing into {location.name}: {' '.join(sorted(set(wanted) - installed))}")
            # Everything at once, so that uv resolves the old and the new requirements together.
            everything = sorted(installed | set(wanted))
            target = ["--python", str(python(location))]
            _run([*uv, "pip", "install", "--quiet", *target, *everything], INSTALL_TIMEOUT_S)
            stamp.write_text(json.dumps(everything))
    return python(location)


def _run(command: list[str], timeout_s: float) -> None:
    try:
        done = processes.run(command, timeout_s=timeout_s, capture=False)
    except subprocess.TimeoutExpired as exc:
        raise EnvError(f"`{' '.join(command)}` did not finish within {timeout_s:g} s") from exc
    if done.returncode != 0:
        raise EnvError(f"`{' '.join(command)}` failed (exit status {done.returncode})")
