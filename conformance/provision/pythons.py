"""The Pythons the matrix needs, found without running anything (the noxfile calls these while
it declares sessions, so they only read the file system)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, MutableMapping
from pathlib import Path

from conformance.matrix import RELEASES, Release


def _series(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _numeric(version: str) -> list[int]:
    return [int(part) for part in version.split(".") if part.isdigit()]


def use_pyenv_pythons(environ: MutableMapping[str, str], wanted: Iterable[str]) -> None:
    """pyenv's shims resolve ``python3.X`` only for the versions PYENV_VERSION lists.

    pyenv sets PYENV_VERSION to one version when it runs nox itself, so the other installed
    versions the matrix needs (read from pyenv's versions folder) are appended to it.
    """
    root = Path(environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    if not shutil.which("pyenv") or not (root / "versions").is_dir():
        return
    installed = sorted((entry.name for entry in (root / "versions").iterdir()), key=_numeric)
    current = [v for v in environ.get("PYENV_VERSION", "").split(":") if v]
    series = set(wanted)
    extra = [v for v in installed if _series(v) in series and v not in current]
    if extra:
        environ["PYENV_VERSION"] = ":".join([*current, *reversed(extra)])


def missing_pythons(releases: Iterable[Release] = RELEASES) -> list[str]:
    """A line per Python the releases need but PATH lacks, naming the way to get it."""
    releases = list(releases)
    lines = []
    for python in sorted({release.python for release in releases}):
        if shutil.which(f"python{python}", path=os.environ.get("PATH")) is None:
            series = ", ".join(r.series for r in releases if r.python == python)
            lines.append(
                f"Python {python} is missing: the Django {series} cells will fail. Fix: install "
                f"it (`uv python install {python}`, `pyenv install {python}` or your OS "
                f"packages) so that `python{python}` is on PATH."
            )
    return lines
