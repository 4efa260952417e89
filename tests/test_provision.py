"""Provisioning: the noxfile only declares, and servers, Pythons and system packages are found
or installed only as the user asked."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.matrix import BUILTIN_BACKENDS, RELEASES, Backend, Cell
from conformance.provision import envs, mariadb, postgresql, releases, system
from conformance.provision.names import MARIADB_ENV, MARIADB_URL_ENV, PYPI_ENV, RUN_ENV, on_ci
from tests.conftest import ROOT

SPAWNERS = ("system", "posix_spawn", "posix_spawnp")


def _refuse(*args, **kwargs):
    raise AssertionError(f"declaring sessions must not reach the network or run a process: {args}")


@pytest.fixture
def isolated_import(monkeypatch):
    """Import the noxfile as nox does, with no socket and no subprocess allowed, undoing what
    the import registers (sessions, signal handlers, the run id)."""
    import atexit

    import nox.registry

    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(subprocess, "Popen", _refuse)
    # the ways to start a process that do not go through Popen
    for name in SPAWNERS:
        monkeypatch.setattr(os, name, _refuse)
    monkeypatch.setattr(os, "environ", {k: v for k, v in os.environ.items() if k != RUN_ENV})
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(nox.registry, "_REGISTRY", {})
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}

    def load():
        spec = importlib.util.spec_from_file_location("noxfile_under_test", ROOT / "noxfile.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    yield load
    atexit.unregister(postgresql._stop_quietly)
    for signum, handler in handlers.items():
        signal.signal(signum, handler)


def test_importing_the_noxfile_needs_no_network_and_no_process(isolated_import):
    noxfile = isolated_import()
    assert "conformance(django-6.1-sqlite)" in {
        f"conformance({cell_id})" for cell_id in noxfile.CELLS
    }


@pytest.mark.parametrize("name", SPAWNERS)
def test_the_noxfile_import_test_blocks_every_way_to_start_a_process(isolated_import, name):
    with pytest.raises(AssertionError, match="must not reach the network or run a process"):
        getattr(os, name)("true", ["true"], {})


def test_the_top_nox_process_owns_the_run_and_stops_its_server_on_sigterm(isolated_import):
    isolated_import()
    assert os.environ[RUN_ENV] == str(os.getpid())
    assert signal.getsignal(signal.SIGTERM) is postgresql._interrupt


def test_a_worker_of_a_run_does_not_own_it(monkeypatch):
    environ = {RUN_ENV: "123"}
    assert postgresql.claim_run(environ) is False
    assert environ[RUN_ENV] == "123"


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        ({MARIADB_URL_ENV: "mysql://me:pw@db:3306/x"}, "mysql://me:pw@db:3306/x"),
        ({MARIADB_ENV: "local"}, mariadb.LOCAL_URL),
        ({}, None),
        ({MARIADB_ENV: "yes"}, None),
    ],
)
def test_mariadb_is_used_only_when_named(environ, url):
    assert mariadb.choose(environ).url == url


def test_an_unnamed_mariadb_says_how_to_name_one():
    why = mariadb.choose({}).why
    assert f"{MARIADB_URL_ENV}=mysql://" in why
    assert f"{MARIADB_ENV}=local" in why


@pytest.mark.parametrize(
    ("posargs", "environ", "allowed"),
    [
        ([], {}, False),
        (["--install-system-deps"], {}, True),
        ([], {"CI": "true"}, True),
        ([], {"CI": "false"}, False),
    ],
)
def test_system_packages_are_installed_only_when_opted_in(posargs, environ, allowed):
    assert system.opted_in(posargs, environ) is allowed


@pytest.mark.parametrize(
    ("value", "ci"), [("true", True), ("TRUE", True), ("1", False), ("", False)]
)
def test_only_ci_true_counts_as_a_ci_run(value, ci):
    assert on_ci({"CI": value}) is ci


def test_the_opt_in_flag_is_not_passed_to_pytest():
    assert system.without_opt_in(["-x", "--install-system-deps", "-k", "aget"]) == [
        "-x", "-k", "aget",
    ]  # fmt: skip


def test_missing_build_packages_are_named_with_the_command(monkeypatch, tmp_path):
    monkeypatch.setattr(system, "mysqlclient_builds", lambda: False)
    monkeypatch.setattr(system.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(system.processes, "run", _refuse)
    with pytest.raises(system.MissingSystemPackages) as raised:
        system.ensure_mysqlclient_builds(allowed=False, log=print)
    message = str(raised.value)
    assert "default-libmysqlclient-dev" in message
    assert "--install-system-deps" in message or "apt-get install" in message


def _cell(series: str, backend: Backend) -> Cell:
    return Cell(next(r for r in RELEASES if r.series == series), backend)


def test_the_stock_backends_of_a_release_share_one_environment():
    names = {envs.name(_cell("6.1", backend)) for backend in BUILTIN_BACKENDS}
    assert names == {"django-6-1"}


def test_an_add_on_column_keeps_an_environment_of_its_own():
    add_on = Backend("extra", "Extra", server="postgresql", packages=("django-extra",))
    assert envs.name(_cell("6.1", add_on)) == "django-6-1-extra"


# A stand-in for uv: `venv` makes the environment's python, `pip install` logs its arguments.
FAKE_UV = """
import pathlib, sys
if sys.argv[1] == "venv":
    python = pathlib.Path(sys.argv[-1]) / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
else:
    with open(pathlib.Path(__file__).with_name("installs.log"), "a") as log:
        log.write(" ".join(sys.argv[1:]) + "\\n")
"""


def test_a_moved_checkout_replaces_the_one_installed_before(tmp_path):
    uv = tmp_path / "uv.py"
    uv.write_text(FAKE_UV)
    location = tmp_path / "django-6-1-source"
    for checkout in ("old", "new"):
        requirements = [f"--editable={tmp_path / checkout}", "pytest>=8"]
        envs.ensure(location, "python3", requirements, lambda _: None, [sys.executable, str(uv)])
    *_, last = (tmp_path / "installs.log").read_text().splitlines()
    assert f"--editable={tmp_path / 'new'}" in last
    assert f"--editable={tmp_path / 'old'}" not in last


def test_a_pre_release_comes_from_the_saved_version_list(tmp_path):
    index = tmp_path / "index.json"
    index.write_text(json.dumps({"releases": {"6.1": [], "9.0a1": []}}))
    found = releases.releases(tmp_path, {PYPI_ENV: index.as_uri()})
    assert found[-1].label == "9.0a1 (pre-release)"


def test_without_a_saved_list_there_is_no_pre_release_column(tmp_path):
    assert releases.releases(tmp_path, {}) == list(RELEASES)


def test_a_checkout_s_revision_is_read_from_its_files():
    revision = releases.git_revision(ROOT)
    assert revision is not None
    assert len(revision) == 40


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=60)
    return process.pid


def test_a_folder_left_by_a_dead_run_is_reaped(tmp_path):
    stale = tmp_path / f"{postgresql.PREFIX}{_dead_pid()}"
    (stale / "data").mkdir(parents=True)
    Path(f"{stale}.lock").write_text("")
    assert postgresql.reap_stale(tmp_path) == [stale]
    assert list(tmp_path.iterdir()) == []


def test_the_folder_of_a_live_run_is_kept(tmp_path):
    live = tmp_path / f"{postgresql.PREFIX}{os.getpid()}"
    live.mkdir()
    assert postgresql.reap_stale(tmp_path) == []
    assert live.exists()


@pytest.mark.slow
def test_a_server_left_by_a_dead_run_is_stopped(tmp_path):
    stale = tmp_path / f"{postgresql.PREFIX}{_dead_pid()}"
    pid = int(postgresql.start_server(stale, ["uv"])["pid"])
    postgresql.reap_stale(tmp_path)
    assert not postgresql._alive(pid)
    assert not stale.exists()
