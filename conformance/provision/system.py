"""Operating system packages a driver needs to build. The kit installs them only when asked
(``nox -- --install-system-deps``, or ``CI=true``); otherwise it names them and the command."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from conformance.provision import processes
from conformance.provision.names import on_ci

OPT_IN = "--install-system-deps"
# mysqlclient compiles against the MySQL client library, found through pkg-config.
MYSQLCLIENT_PACKAGES = ("default-libmysqlclient-dev", "pkg-config", "build-essential")
APT_TIMEOUT_S = 900


class MissingSystemPackages(Exception):
    """Build dependencies are missing and the user has not let the kit install them."""


def opted_in(posargs: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Whether the user lets the kit run the system's package manager."""
    return OPT_IN in posargs or on_ci(environ)


def without_opt_in(posargs: Sequence[str]) -> list[str]:
    """The arguments meant for pytest: the opt-in flag is the noxfile's own."""
    return [arg for arg in posargs if arg != OPT_IN]


def mysqlclient_builds() -> bool:
    if not shutil.which("pkg-config"):
        return False
    found = processes.run(["pkg-config", "--exists", "mysqlclient"], timeout_s=30)
    return found.returncode == 0


def install_command(packages: Sequence[str]) -> str:
    return f"sudo apt-get install {' '.join(packages)}"


def ensure_mysqlclient_builds(allowed: bool, log: Callable[[str], None]) -> None:
    """Make mysqlclient buildable, or raise ``MissingSystemPackages`` naming what to install.

    Parallel cells take turns (a lock file), and the second finds the packages installed.
    """
    with open(Path(tempfile.gettempdir()) / "conformance-apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if mysqlclient_builds():
            return
        packages = MYSQLCLIENT_PACKAGES
        can = bool(shutil.which("apt-get")) and os.geteuid() == 0
        if not (allowed and can):
            how = (
                f"re-run with `nox -- {OPT_IN}`, which lets the kit run `apt-get install` as root"
                if can and not allowed
                else f"install them ({install_command(packages)}; macOS: brew install "
                "mysql-client pkg-config), then re-run"
            )
            # nox ends the message with its own full stop.
            raise MissingSystemPackages(
                f"mysqlclient needs {', '.join(packages)} to build. Fix: {how}"
            )
        log(f"installing {' '.join(packages)} for mysqlclient")
        apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for step in (["update", "-qq"], ["install", "-y", "-qq", *packages]):
            done = processes.run([*apt, *step], timeout_s=APT_TIMEOUT_S, env=env)
            if done.returncode != 0:
                raise MissingSystemPackages(
                    f"`apt-get {' '.join(step)}` failed: {done.stderr.strip()[-500:]}. Fix: "
                    f"install them yourself ({install_command(packages)})."
                )
