"""What an add-on column changes, feature by feature, against the stock column it builds on.

An add-on column (django-async-backend, declared in ``backends.toml``) runs on a server the kit
already has a stock column for (its results file names the server family: PostgreSQL): the
same Django release, the same server, plus a package or settings. So the difference between
its cell and the stock cell of the same release is what the package changes, and nothing else.
Only measured verdicts are compared: a check that erred or was skipped on either side is listed
as unmeasured, never as a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance.report.view import column, release_key
from conformance.verdicts import UNMEASURED

# How a feature's pair of verdicts (stock, column) is classed, in the order the report lists them.
KINDS = {
    "changed": "measured on both, with another verdict on the column",
    "column-only": "measured on the column only (the stock cell skipped it or has no check)",
    "unmeasured": "measured on the stock cell, but not on the column (an error or a skip)",
}


def column_changes(merged: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One entry per cell of an add-on column: the stock cell it is compared with (same
    release, same server family), whether both completed (else why not), and every feature
    whose verdicts differ, by kind."""
    stock_cells = {
        (release_key(cell), column(cell)["family"]): cell
        for cell in merged["cells"]
        if column(cell)["stock"]
    }
    found = []
    for cell in merged["cells"]:
        if column(cell)["stock"]:
            continue
        base = column(cell)["family"]
        stock_cell = stock_cells.get((release_key(cell), base))
        entry: dict[str, Any] = {
            "cell": cell["id"],
            "backend": cell["backend"],
            "django_series": cell["django_series"],
            "stock_cell": stock_cell["id"] if stock_cell else None,
            "compared": False,
            "why_not": None,
            "same": 0,
            "changes": [],
        }
        found.append(entry)
        missing = [
            f"{c['id']} is {c['state']}"
            for c in (cell, stock_cell)
            if c is not None and c["state"] != "complete"
        ]
        if stock_cell is None:
            missing.append(f"the matrix has no {base} cell for Django {cell['django_series']}")
        if missing:
            entry["why_not"] = "; ".join(missing)
            continue
        entry["compared"] = True
        for feature in merged["features"]:
            pair = _verdicts(feature, stock_cell["id"], cell["id"])
            kind = _kind(*pair)
            if kind is None:
                entry["same"] += pair[0] == pair[1] and pair[0] not in UNMEASURED
                continue
            entry["changes"].append(
                {
                    "feature": feature["id"],
                    "title": feature.get("title", feature["id"]),
                    "kind": kind,
                    "stock": pair[0],
                    "column": pair[1],
                    "notes": feature["cells"][cell["id"]].get("notes", [])[:2],
                }
            )
        order = list(KINDS)
        entry["changes"].sort(key=lambda change: order.index(change["kind"]))
    return found


def _verdicts(feature: Mapping[str, Any], stock_id: str, column_id: str) -> tuple[str, str]:
    feature_cells = feature["cells"]
    return (
        feature_cells.get(stock_id, {}).get("verdict", "not-run"),
        feature_cells.get(column_id, {}).get("verdict", "not-run"),
    )


def _kind(stock: str, column: str) -> str | None:
    """The kind of change a (stock, column) pair is, or ``None`` when there is nothing to say:
    the same verdict, or measured on neither."""
    stock_measured, column_measured = stock not in UNMEASURED, column not in UNMEASURED
    if stock_measured and column_measured:
        return "changed" if stock != column else None
    if column_measured:
        return "column-only"
    if stock_measured:
        return "unmeasured"
    return None
