"""Every environment variable the kit's noxfile and provisioning read, named once.

The runner reads the database variables itself (``conformance.runner.database``), and the
matrix reads the backends file's (``conformance.matrix``); they are re-exported here so the
noxfile imports every name from one place.
"""

from __future__ import annotations

from collections.abc import Mapping

from conformance.matrix import BACKENDS_ENV
from conformance.runner.database import APPS_ENV, BACKEND_ENV, SETTINGS_ENV, SUFFIX_ENV, URL_ENV

__all__ = [
    "APPS_ENV",
    "BACKENDS_ENV",
    "BACKEND_ENV",
    "CI_ENV",
    "MARIADB_ENV",
    "MARIADB_URL_ENV",
    "PROFILE_ENV",
    "PYPI_ENV",
    "REPORTS_ENV",
    "RUN_ENV",
    "SEED_ENV",
    "SETTINGS_ENV",
    "SOURCE_ENV",
    "SOURCE_SERIES_ENV",
    "SUFFIX_ENV",
    "URL_ENV",
    "on_ci",
]

REPORTS_ENV = "CONFORMANCE_REPORTS"
PROFILE_ENV = "CONFORMANCE_HYPOTHESIS_PROFILE"
SEED_ENV = "CONFORMANCE_HYPOTHESIS_SEED"
MARIADB_URL_ENV = "CONFORMANCE_MARIADB_URL"
# "local": use the server on 127.0.0.1:3306 as root; the kit never guesses it on its own.
MARIADB_ENV = "CONFORMANCE_MARIADB"
SOURCE_ENV = "CONFORMANCE_DJANGO_SOURCE"
SOURCE_SERIES_ENV = "CONFORMANCE_DJANGO_SOURCE_SERIES"
PYPI_ENV = "CONFORMANCE_PYPI_JSON"  # "off", or another index's JSON (the kit's tests use a file)
# One id per top-level nox run, inherited by its parallel workers (see ``postgresql``).
RUN_ENV = "CONFORMANCE_RUN_ID"
CI_ENV = "CI"  # set to "true" by GitHub Actions and .ci/run: system packages may be installed


def on_ci(environ: Mapping[str, str]) -> bool:
    """Whether this is a CI run: ``CI=true`` exactly as CI services set it, so that ``CI=false``
    or ``CI=0`` left in a shell is not mistaken for one. The one rule for every CI decision."""
    return environ.get(CI_ENV, "").lower() == "true"
