"""The matrix: which Django feature releases run on which Python, driver and backend.

This module is imported by the noxfile and the report step, so it depends on nothing beyond
the standard library and ``packaging`` (which nox itself requires).
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import Version

BACKENDS: tuple[str, ...] = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Release:
    """A Django feature release and the newest Python it officially supports here."""

    series: str
    python: str

    @property
    def requirement(self) -> str:
        """Pin the series but take its newest patch release (``django~=5.2.0``)."""
        return f"django~={self.series}.0"

    @property
    def postgresql_driver(self) -> str:
        """Django 4.1 predates psycopg 3 support (added in 4.2)."""
        if Version(self.series) < Version("4.2"):
            return "psycopg2-binary"
        return "psycopg[binary]"

    def accepts(self, version: str) -> bool:
        """Whether an exact Django version belongs to this feature release."""
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
class Cell:
    """One session of the matrix: a feature release against one backend."""

    release: Release
    backend: str

    @property
    def id(self) -> str:
        return f"django-{self.release.series}-{self.backend}"


def cells() -> list[Cell]:
    """Every cell, ordered by release then backend, as the report shows them."""
    return [Cell(release, backend) for release in RELEASES for backend in BACKENDS]


def cell_order(cell_id: str) -> tuple[int, str]:
    """Sort key for cell ids, unknown ones last, so merged reports keep matrix order."""
    ids = [cell.id for cell in cells()]
    return (ids.index(cell_id), cell_id) if cell_id in ids else (len(ids), cell_id)
