"""Helpers for CI: the job matrix from nox's own session list, and the newest Django releases.

python -m conformance.ci matrix     # GitHub Actions matrix JSON, from nox -l --json -s conformance
python -m conformance.ci releases   # fail loudly when PyPI has a feature release the kit lacks,
                                    # and say when a pre-release adds a column
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Iterable
from typing import Any

from packaging.version import InvalidVersion, Version

from conformance.matrix import RELEASES, prerelease
from conformance.provision import processes
from conformance.provision.releases import PYPI_URL

OLDEST = Version("4.1")
LIST_TIMEOUT_S = 120  # listing sessions only reads the noxfile


def matrix_from_sessions(sessions: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One job per conformance session, with the Python that session runs on."""
    return [
        {
            "session": entry["session"],
            "python": entry["python"],
            "cell": entry["session"].removeprefix("conformance(").removesuffix(")"),
        }
        for entry in sessions
        if entry["name"] == "conformance"
    ]


def feature_releases(versions: Iterable[str]) -> list[str]:
    """Every final feature release (``X.Y``) from 4.1 on among the given version strings."""
    found = set()
    for text in versions:
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if not version.is_prerelease and version >= OLDEST:
            found.add(Version(f"{version.major}.{version.minor}"))
    return [f"{v.major}.{v.minor}" for v in sorted(found)]


def unknown_releases(versions: Iterable[str]) -> list[str]:
    """Feature releases the index has and the matrix does not."""
    known = {release.series for release in RELEASES}
    return [series for series in feature_releases(versions) if series not in known]


def _pypi_versions() -> list[str]:
    with urllib.request.urlopen(PYPI_URL, timeout=30) as response:
        return list(json.load(response)["releases"])


def main(argv: list[str]) -> int:
    if argv == ["matrix"]:
        command = [sys.executable, "-m", "nox", "-l", "--json", "-s", "conformance"]
        listed = processes.run(command, timeout_s=LIST_TIMEOUT_S)
        if listed.returncode != 0:
            print(f"`{' '.join(command)}` failed:\n{listed.stderr}", file=sys.stderr)
            return 1
        print(json.dumps(matrix_from_sessions(json.loads(listed.stdout))))
        return 0
    if argv == ["releases"]:
        versions = _pypi_versions()
        upcoming = prerelease(versions)
        if upcoming is not None:
            print(
                f"Django {upcoming.label} is on PyPI: `nox` runs it as the columns "
                f"django-{upcoming.key}-<backend>, marked pre-release (no code change needed)."
            )
        missing = unknown_releases(versions)
        if missing:
            for series in missing:
                print(
                    f"::error::Django {series} is on PyPI but not in the matrix. Fix: add "
                    f'Release("{series}", python=...) to conformance/matrix.py.'
                )
            return 1
        print(f"The matrix covers every Django feature release from 4.1: {RELEASES[-1].series}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
