"""The Django releases a run covers: the matrix's feature releases, a pre-release PyPI has, and
a Django source the user names.

Declaring sessions must not touch the network, so the pre-release column comes from PyPI's
version list as last saved in ``.nox/django-versions.json``; ``refresh_versions`` (run by the
``report`` and ``releases`` sessions) updates that file for the next run.
"""

from __future__ import annotations

import ast
import json
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from conformance.matrix import RELEASES, Release, prerelease, source_release
from conformance.provision.names import PYPI_ENV, SOURCE_ENV, SOURCE_SERIES_ENV

PYPI_URL = "https://pypi.org/pypi/Django/json"
FRESH_FOR_S = 6 * 3600  # PyPI's list is fetched again once the saved one is this old
_LEVELS = {"final": "", "alpha": "a", "beta": "b", "rc": "rc"}


class SourceError(Exception):
    """A Django source the kit cannot use; the message names the fix."""


def versions_cache(root: Path) -> Path:
    return root / ".nox/django-versions.json"


def saved_versions(root: Path, environ: Mapping[str, str]) -> list[str]:
    """Django's versions as last read from the index (a file the user named, or the cache)."""
    source = environ.get(PYPI_ENV, PYPI_URL)
    if source == "off":
        return []
    path = versions_cache(root) if source == PYPI_URL else Path(source.removeprefix("file://"))
    try:
        return list(json.loads(path.read_text())["releases"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def refresh_versions(root: Path, environ: Mapping[str, str], timeout_s: float = 10) -> str | None:
    """Save PyPI's Django versions for the next run when the saved list is stale; a line
    saying why not when the index cannot be read, else ``None``."""
    if environ.get(PYPI_ENV, PYPI_URL) != PYPI_URL:
        return None
    cache = versions_cache(root)
    if cache.exists() and time.time() - cache.stat().st_mtime < FRESH_FOR_S:
        return None
    try:
        with urllib.request.urlopen(PYPI_URL, timeout=timeout_s) as response:
            versions = list(json.load(response)["releases"])
    except (OSError, ValueError, KeyError) as exc:
        return f"cannot read Django's versions from {PYPI_URL} ({exc}): no pre-release column."
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"releases": versions}))
    return None


def git_revision(folder: Path) -> str | None:
    """The commit a git checkout is at, read from its files (declaring sessions runs no
    ``git``): a detached HEAD, a loose ref or a packed one, in a clone or a worktree."""
    git = folder / ".git"
    if git.is_file():  # a worktree: "gitdir: <path>", its refs in the common folder
        git = (folder / git.read_text().split(":", 1)[1].strip()).resolve()
    try:
        head = (git / "HEAD").read_text().strip()
    except OSError:
        return None
    if not head.startswith("ref: "):
        return head or None
    ref = head.removeprefix("ref: ")
    common = git / "commondir"
    for base in (git, (git / common.read_text().strip()) if common.exists() else git):
        if (base / ref).is_file():
            return (base / ref).read_text().strip()
        packed = base / "packed-refs"
        if packed.is_file():
            for line in packed.read_text().splitlines():
                if line.endswith(f" {ref}"):
                    return line.split(" ", 1)[0]
    return None


def django_version(folder: Path) -> str:
    """The version a Django source folder declares in ``django/__init__.py``."""
    version_file = folder / "django/__init__.py"
    if not version_file.exists():
        raise SourceError(
            f"{SOURCE_ENV}={folder} has no django/__init__.py. Fix: point it at a Django "
            "checkout or an unpacked Django sdist."
        )
    line = next(
        line for line in version_file.read_text().splitlines() if line.startswith("VERSION =")
    )
    major, minor, micro, level, serial = ast.literal_eval(line.split("=", 1)[1].strip())
    if level == "alpha" and serial == 0:  # Django's main branch between releases
        return f"{major}.{minor}.dev0"
    suffix = _LEVELS[level]
    return f"{major}.{minor}.{micro}" + (f"{suffix}{serial}" if suffix else "")


def named_source(environ: Mapping[str, str]) -> Release | None:
    """A column for the Django source in CONFORMANCE_DJANGO_SOURCE: a folder or a VCS URL."""
    source = environ.get(SOURCE_ENV)
    if not source:
        return None
    folder = Path(source).expanduser()
    if folder.is_dir():
        return source_release(str(folder.resolve()), django_version(folder), git_revision(folder))
    # A VCS URL (git+https://...@branch): its version is known only once installed, so the
    # series comes from the user (Django's main branch is newer than every release).
    series = environ.get(SOURCE_SERIES_ENV, RELEASES[-1].series)
    return source_release(f"django @ {source}", f"{series}.dev0", source.rsplit("@", 1)[-1])


def releases(root: Path, environ: Mapping[str, str]) -> list[Release]:
    """Every release this run covers, from files only."""
    found = list(RELEASES)
    upcoming = prerelease(saved_versions(root, environ))
    if upcoming is not None:
        found.append(upcoming)
    source = named_source(environ)
    if source is not None:
        found.append(source)
    return found
