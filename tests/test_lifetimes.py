"""Lifetimes: a run that is stopped leaves nothing behind, whoever stops it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.provision import postgresql, processes
from conformance.provision.names import PYPI_ENV, REPORTS_ENV, RUN_ENV, URL_ENV
from tests.conftest import ROOT

CELL = "django-6.1-postgresql"


def _postgres_processes_in(folder: Path) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(folder) in command and "postgres" in command:
                found.append(command)
    return found


def _wait_for(predicate, process: subprocess.Popen, what: str, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if process.poll() is not None:
            pytest.fail(f"nox ended before {what}: {process.communicate(timeout=60)[0][-3000:]}")
        if time.monotonic() > deadline:
            postgresql.processes.stop(process)
            pytest.fail(f"{what} did not happen within {seconds:g} s")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory):
    """A nox run of one PostgreSQL cell on its own throwaway server, sent SIGTERM once the
    suite is under way; its temporary folder and its server's folder."""
    tmp_path = tmp_path_factory.mktemp("stopped")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in {RUN_ENV, URL_ENV}}
    env |= {
        "TMPDIR": str(temp),
        REPORTS_ENV: str(tmp_path / "reports"),
        PYPI_ENV: "off",
        "UV_PYTHON_DOWNLOADS": "never",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-t", CELL],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    server = temp / f"{postgresql.PREFIX}{process.pid}"
    results = tmp_path / "reports/sessions" / f"{CELL}.json"

    def suite_started() -> bool:
        try:
            return json.loads(results.read_text())["status"] == "incomplete"
        except (OSError, ValueError):
            return False

    _wait_for(suite_started, process, "the suite started")
    assert _postgres_processes_in(server), "the cell did not use the throwaway server"
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=120)
    return temp, server


@pytest.mark.slow
def test_sigterm_to_nox_mid_run_leaves_no_postgresql_process(stopped_run):
    _, server = stopped_run
    assert _postgres_processes_in(server) == []


@pytest.mark.slow
def test_sigterm_to_nox_mid_run_leaves_no_temporary_folder(stopped_run):
    temp, _ = stopped_run
    # Lock files (empty, one per template or package set) stay by design: removing one while
    # another process may open it would let two processes hold "the" lock at once.
    left = [path.name for path in temp.iterdir() if path.name.startswith("conformance-")]
    assert [name for name in left if not name.endswith(".lock")] == []


def test_a_child_alongside_hands_back_its_output_once_waited_for():
    argv = [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"]
    with processes.alongside(argv, timeout_s=60) as wait:
        finished = wait()
    assert (finished.returncode, sorted(finished.stdout.split())) == (0, ["err", "out"])


def _start_and_fail(code: str, pid_file: Path) -> None:
    with processes.alongside([sys.executable, "-c", code], timeout_s=600):
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        raise RuntimeError("the main run failed before waiting for it")


def test_a_child_alongside_is_stopped_when_its_block_fails(tmp_path):
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    with pytest.raises(RuntimeError):
        _start_and_fail(code, pid_file)
    assert not Path(f"/proc/{pid_file.read_text()}").exists()


def test_a_child_alongside_past_its_time_is_stopped():
    argv = [sys.executable, "-c", "import time; time.sleep(600)"]
    with processes.alongside(argv, timeout_s=0.5) as wait, pytest.raises(subprocess.TimeoutExpired):
        wait()
