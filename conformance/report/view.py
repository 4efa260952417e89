"""A typed view of the merged document (``results.json``), and the few questions every part of
the report asks of it.

The merge writes plain JSON; these ``TypedDict``s name its shapes, so the merge, the render and
the comparisons read the same fields the same way. ``measured`` is the one answer to "which cells
measured this feature" and ``span`` the one answer to "from which release to which": every
section that needs them calls these instead of filtering the cells again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NotRequired, TypedDict

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from conformance.verdicts import UNMEASURED


class Column(TypedDict):
    """The column a cell belongs to, as its results file names it."""

    label: str
    family: str  # sqlite, postgresql or mariadb: the server the column talks to
    stock: bool  # stock Django; an add-on column adds a package or settings
    packages: list[str]


class Cell(TypedDict):
    id: str
    django_series: str
    backend: str
    channel: str
    label: str | None
    state: str  # complete, incomplete, error, invalid or not-run
    error: str | None
    environment: dict[str, Any]
    column: Column
    started_at: NotRequired[str | None]
    duration_s: NotRequired[float | None]


class FeatureCell(TypedDict):
    verdict: str
    notes: list[str]
    checks: list[dict[str, Any]]


class Span(TypedDict):
    first: str
    last: str


class Feature(TypedDict):
    id: str
    title: str
    area: str
    kind: str
    ref: str
    since: dict[str, dict[str, Any] | None]
    cells: dict[str, FeatureCell]
    # the add-on backends whose own API this is: never shown as a stock column's verdict
    add_on: NotRequired[list[str]]


class Merged(TypedDict):
    schema_version: int
    generated_at: str
    cells: list[Cell]
    features: list[Feature]
    problems: list[str]
    claims: NotRequired[list[dict[str, Any]]]
    divergences: NotRequired[list[dict[str, Any]]]
    columns: NotRequired[list[dict[str, Any]]]
    changes: NotRequired[dict[str, Any]]


# The stock backends, for results files written before cells carried their column: the three
# Django itself ships, under the names the matrix gives them.
STOCK_COLUMNS: dict[str, Column] = {
    "sqlite": {"label": "SQLite", "family": "sqlite", "stock": True, "packages": []},
    "postgresql": {"label": "PostgreSQL", "family": "postgresql", "stock": True, "packages": []},
    "mariadb": {"label": "MariaDB", "family": "mariadb", "stock": True, "packages": []},
}


def column(cell: Mapping[str, Any]) -> Column:
    """A cell's column: the one its results file names, else a stock backend's, else an add-on
    named after its backend (an older file of a column the kit cannot know more about)."""
    found = cell.get("column")
    if found:
        return found
    backend = cell["backend"]
    return STOCK_COLUMNS.get(backend) or {
        "label": backend,
        "family": backend,
        "stock": False,
        "packages": [],
    }


def verdict(feature: Mapping[str, Any], cell_id: str) -> str:
    """A feature's verdict in one cell; ``not-run`` when the cell has none."""
    return (feature["cells"].get(cell_id) or {}).get("verdict", "not-run")


def measured(
    feature: Mapping[str, Any],
    cells: Iterable[Mapping[str, Any]],
    *,
    complete_only: bool = False,
    releases: SpecifierSet | None = None,
) -> list[tuple[Any, str]]:
    """(cell, verdict) for each of ``cells`` whose verdict of the feature is a measurement: not
    an error, a skip or a session that did not run. ``complete_only`` also drops the cells of a
    session that did not complete; ``releases`` keeps only the cells of those Django series, as
    a claim that names its releases is decided on those alone."""
    found = []
    for cell in cells:
        if complete_only and cell.get("state", "complete") != "complete":
            continue
        if releases is not None and series_version(cell["django_series"]) not in releases:
            continue
        found_verdict = verdict(feature, cell["id"])
        if found_verdict not in UNMEASURED:
            found.append((cell, found_verdict))
    return found


def series_version(series: str) -> Version:
    """A Django series as a version to sort by; a cell run outside the matrix (no series)
    sorts first."""
    try:
        return Version(series)
    except InvalidVersion:
        return Version("0")


def span(series: Iterable[str]) -> Span:
    """The first and last of some Django series, in release order (4.2 before 4.10)."""
    ordered = sorted(set(series), key=Version)
    if not ordered:
        raise ValueError("a span needs at least one release")
    return {"first": ordered[0], "last": ordered[-1]}


def span_label(found: Span) -> str:
    """A span in words: one release, or "first to last"."""
    first, last = found["first"], found["last"]
    return first if first == last else f"{first} to {last}"


def release_key(cell: Mapping[str, Any]) -> str:
    """The release a cell belongs to: its series, and its channel when it is a pre-release or a
    source, which is its own release, never merged or compared with the series."""
    channel = cell.get("channel", "release")
    return cell["django_series"] + ("" if channel == "release" else f" ({channel})")


def column_group(cell: Mapping[str, Any]) -> str:
    """Which cells may share a matrix column: the stock backends of a release together, each
    add-on alone (its backend's name): stock Django and an add-on never share a column."""
    return "stock" if column(cell)["stock"] else cell["backend"]


def backend_labels(cells: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each backend's name as people say it, from the cells' own columns, in column order."""
    return {cell["backend"]: column(cell)["label"] for cell in cells}


_CHANNELS = ("release", "pre-release", "source")
_FAMILIES = ("sqlite", "postgresql", "mariadb")


def cell_order(cell: Mapping[str, Any]) -> tuple[Any, ...]:
    """Matrix order from the cells themselves: release, then stock columns (SQLite, PostgreSQL,
    MariaDB) before add-ons, then the backend's name."""
    found = column(cell)
    channel = cell.get("channel", "release")
    family = found["family"]
    return (
        series_version(cell["django_series"]),
        _CHANNELS.index(channel) if channel in _CHANNELS else len(_CHANNELS),
        not found["stock"],
        _FAMILIES.index(family) if family in _FAMILIES else len(_FAMILIES),
        cell["backend"],
        cell["id"],
    )


def cell_named(cell_id: str) -> dict[str, Any]:
    """A cell known by its id alone (``django-5.2-sqlite``, ``django-6.1-pre-release-sqlite``):
    a results file that cannot be read, or a recorded expectation this run did not complete."""
    named = re.fullmatch(r"django-(\d+\.\d+)(?:-(pre-release|source))?-(.+)", cell_id)
    series, channel, backend = named.groups() if named else ("", None, cell_id)
    return {
        "id": cell_id,
        "django_series": series,
        "channel": channel or "release",
        "backend": backend,
    }


def cell_id_order(cells: Iterable[Mapping[str, Any]]) -> Callable[[str], tuple[Any, ...]]:
    """A sort key for cell ids in matrix order, taken from ``cells`` (a merged document's) and,
    for an id none of them has, from what the id says: the order never asks the live matrix."""
    known = {cell["id"]: cell for cell in cells}
    return lambda cell_id: cell_order(known.get(cell_id) or cell_named(cell_id))
