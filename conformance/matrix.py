"""The matrix: which Django releases run on which Python, driver and backend.

Columns are data. The built-in backends are SQLite, PostgreSQL and MariaDB; more come from
``conformance/data/backends.toml`` (shipped: django-async-backend) and from a user's own TOML
file named by ``CONFORMANCE_BACKENDS``. Releases are the feature releases below, plus a Django
pre-release when PyPI has one newer than them (``prerelease``) and a Django source the user
names (``source_release``).

This module is imported by the noxfile and the report step, so it depends on nothing beyond
the standard library and ``packaging`` (which nox itself requires).
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

BACKENDS_ENV = "CONFORMANCE_BACKENDS"
SHIPPED_BACKENDS = Path(__file__).parent / "data/backends.toml"
# The servers the kit knows how to find or start, and the Django engine each one uses.
SERVERS: dict[str, str] = {
    "postgresql": "django.db.backends.postgresql",
    "mariadb": "django.db.backends.mysql",
}


@dataclass(frozen=True)
class Release:
    """A Django release line: its series, the Python it runs on here and how to install it.

    ``channel`` is ``release`` for a feature release, ``pre-release`` for an alpha, beta or
    release candidate on PyPI, and ``source`` for a Django checkout or sdist the user names;
    ``key`` tells the last two apart from the feature release of the same series in cell ids.
    """

    series: str
    python: str
    channel: str = "release"
    pin: str | None = None  # the exact requirement when it is not the series' newest patch
    label: str | None = None

    @property
    def key(self) -> str:
        if self.channel == "release":
            return self.series
        return f"{self.series}-{self.channel}"

    @property
    def requirement(self) -> str:
        """Pin the series but take its newest patch release (``django~=5.2.0``)."""
        return self.pin or f"django~={self.series}.0"

    @property
    def postgresql_driver(self) -> str:
        """Django 4.1 predates psycopg 3 support (added in 4.2)."""
        if Version(self.series) < Version("4.2"):
            return "psycopg2-binary"
        return "psycopg[binary]"

    def accepts(self, version: str) -> bool:
        """Whether an exact Django version belongs to this release line."""
        if self.channel != "release":
            return Version(version).release[:2] == Version(self.series).release[:2]
        return Version(version) in SpecifierSet(f"~={self.series}.0")


# Python per release: the newest one the release supports (Django's FAQ table) that the
# test machines have. 4.1 stops at 3.11; 6.x needs 3.12 or newer.
RELEASES: tuple[Release, ...] = (
    Release("4.1", python="3.11"),
    Release("4.2", python="3.12"),
    Release("5.0", python="3.12"),
    Release("5.1", python="3.13"),
    Release("5.2", python="3.13"),
    Release("6.0", python="3.13"),
    Release("6.1", python="3.13"),
)


@dataclass(frozen=True)
class Backend:
    """A column: a database backend and how a session reaches and configures it.

    ``server`` is the server the kit provides (``postgresql``: the user's URL or a throwaway
    server; ``mariadb``: the user's URL or a local server), ``None`` for SQLite or for a column
    that brings its own ``url``. ``settings`` are merged over the ``DATABASES`` entry the URL
    gives (``OPTIONS``, ``CONN_MAX_AGE``...).
    """

    name: str
    label: str
    server: str | None = None
    engine: str | None = None
    url: str | None = None
    releases: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    origin: str = "built-in"

    @property
    def builtin(self) -> bool:
        return self.origin == "built-in"

    def runs_on(self, release: Release) -> bool:
        """Whether this column has a cell for ``release`` (every release unless it lists some)."""
        return not self.releases or release.series in self.releases

    def driver(self, release: Release) -> list[str]:
        """The database driver to install for this column on ``release``."""
        family = self.family
        if family == "postgresql":
            return [release.postgresql_driver]
        if family == "mariadb":
            return ["mysqlclient"]
        return []

    @property
    def family(self) -> str:
        """Which kind of server this column talks to: sqlite, postgresql or mariadb."""
        if self.server:
            return self.server
        scheme = (self.url or "sqlite:").split(":", 1)[0]
        if scheme in {"postgres", "postgresql", "pgsql"}:
            return "postgresql"
        if scheme in {"mysql", "mariadb"}:
            return "mariadb"
        return "sqlite"


BUILTIN_BACKENDS: tuple[Backend, ...] = (
    Backend("sqlite", "SQLite"),
    Backend("postgresql", "PostgreSQL", server="postgresql"),
    Backend("mariadb", "MariaDB", server="mariadb"),
)


class BackendsFileError(Exception):
    """A backends TOML file that cannot be used; the message names the problem and the fix."""


_BACKEND_KEYS = {"label", "server", "engine", "url", "releases", "packages", "apps", "settings"}


def read_toml(
    path: Path, error: type[Exception], *, what: str, missing: str, unreadable: str
) -> dict[str, Any]:
    """A TOML file's content; a missing or unreadable file raises ``error`` naming the fix."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} {path}: no such file. Fix: {missing}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{what} {path}: cannot be read as TOML ({exc}). Fix: {unreadable}") from exc


def load_backends(path: Path) -> list[Backend]:
    """The columns a backends TOML file declares (``[backend.<name>]`` tables)."""
    document = read_toml(
        path,
        BackendsFileError,
        what="backends file",
        missing=f"point {BACKENDS_ENV} at an existing TOML file.",
        unreadable="correct the TOML (README: 'Bring your own backend').",
    )
    declared = document.get("backend", {})
    if not isinstance(declared, dict) or not declared:
        raise BackendsFileError(
            f"{path}: declares no backend. Fix: add a [backend.<name>] table (README: "
            "'Bring your own backend')."
        )
    known_releases = {release.series for release in RELEASES}
    found = []
    for name, table in declared.items():
        where = f"{path}: [backend.{name}]"
        unknown = set(table) - _BACKEND_KEYS
        if unknown:
            raise BackendsFileError(
                f"{where} has unknown keys {sorted(unknown)}. "
                f"Fix: use only {sorted(_BACKEND_KEYS)}."
            )
        if not name.replace("-", "").replace("_", "").isalnum() or name != name.lower():
            raise BackendsFileError(
                f"{where}: the name must be lower-case letters, digits, - and _ (it is part "
                "of cell ids and nox session names)."
            )
        if name in {b.name for b in BUILTIN_BACKENDS}:
            raise BackendsFileError(f"{where}: {name!r} is a built-in backend; pick another name.")
        server = table.get("server")
        if server is not None and server not in SERVERS:
            raise BackendsFileError(
                f"{where}: server = {server!r} is not one the kit provides. Fix: use one of "
                f"{sorted(SERVERS)}, or give url = ... instead."
            )
        if (server is None) == (table.get("url") is None):
            raise BackendsFileError(
                f'{where}: give exactly one of server = "postgresql"|"mariadb" (the kit\'s '
                'server) or url = "..." (your own; ${VAR} takes it from the environment).'
            )
        releases = tuple(str(series) for series in table.get("releases", ()))
        strange = sorted(set(releases) - known_releases)
        if strange:
            raise BackendsFileError(
                f"{where}: releases {strange} are not in the matrix ({sorted(known_releases)})."
            )
        found.append(
            Backend(
                name=name,
                label=table.get("label", name),
                server=server,
                engine=table.get("engine"),
                url=table.get("url"),
                releases=releases,
                packages=tuple(table.get("packages", ())),
                apps=tuple(table.get("apps", ())),
                settings=table.get("settings", {}),
                origin=str(path),
            )
        )
    return found


def backends(environ: Mapping[str, str] | None = None) -> list[Backend]:
    """Every column: the built-in ones, the shipped extras, then the user's file if named."""
    env = os.environ if environ is None else environ
    found = [*BUILTIN_BACKENDS, *load_backends(SHIPPED_BACKENDS)]
    if env.get(BACKENDS_ENV):
        taken = {backend.name for backend in found}
        for backend in load_backends(Path(env[BACKENDS_ENV])):
            if backend.name in taken:
                raise BackendsFileError(
                    f"{env[BACKENDS_ENV]}: [backend.{backend.name}] is already declared by the "
                    "kit. Fix: rename it."
                )
            found.append(backend)
    return found


BACKENDS: tuple[str, ...] = tuple(backend.name for backend in BUILTIN_BACKENDS)
BACKEND_LABELS: dict[str, str] = {backend.name: backend.label for backend in BUILTIN_BACKENDS}


def prerelease(versions: Iterable[str]) -> Release | None:
    """The newest Django pre-release on PyPI that is newer than every feature release here."""
    newest = Version(RELEASES[-1].series)
    candidates = []
    for text in versions:
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if version.is_prerelease and Version(f"{version.major}.{version.minor}") > newest:
            candidates.append(version)
    if not candidates:
        return None
    chosen = max(candidates)
    return Release(
        f"{chosen.major}.{chosen.minor}",
        python=RELEASES[-1].python,
        channel="pre-release",
        pin=f"django=={chosen}",
        label=f"{chosen} (pre-release)",
    )


def source_release(source: str, version: str, revision: str | None = None) -> Release:
    """A column for a Django source (a checkout, an unpacked sdist or a VCS URL)."""
    parsed = Version(version)
    label = f"{version} from source" + (f" at {revision[:12]}" if revision else "")
    return Release(
        f"{parsed.major}.{parsed.minor}",
        python=RELEASES[-1].python,
        channel="source",
        pin=source,
        label=label,
    )


@dataclass(frozen=True)
class Cell:
    """One session of the matrix: a release against one backend."""

    release: Release
    backend: Backend

    @property
    def id(self) -> str:
        return f"django-{self.release.key}-{self.backend.name}"


def cells(
    releases: Iterable[Release] = RELEASES, columns: Iterable[Backend] | None = None
) -> list[Cell]:
    """Every cell, ordered by release then backend, as the report shows them (by default: the
    feature releases on every column, the user's own included)."""
    columns = list(backends() if columns is None else columns)
    # A pre-release or source column runs on the built-in backends only: extra columns name
    # the releases they support.
    return [
        Cell(release, backend)
        for release in releases
        for backend in columns
        if (backend.runs_on(release) if release.channel == "release" else backend.builtin)
    ]


@functools.cache
def _known_cell_ids() -> tuple[str, ...]:
    return tuple(cell.id for cell in cells())


def cell_order(cell_id: str) -> tuple[int, str]:
    """Sort key for cell ids, unknown ones last, so merged reports keep matrix order."""
    ids = _known_cell_ids()
    return (ids.index(cell_id), cell_id) if cell_id in ids else (len(ids), cell_id)
