"""Compare a merged matrix with an earlier one, so a changed cell is visible in the report.

Pure functions over merged documents (the ``results.json`` the report writes): no files are read
here except by ``load_baseline``, and nothing imports Django.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.results import UnreadableJSON, load_json

BASELINE_FIX = (
    "Fix: pass the results.json written by an earlier `python -m conformance.report` run "
    "(reports/results.json, e.g. a CI artifact), not a per-session file from reports/sessions."
)


class BaselineError(Exception):
    """A baseline that cannot be compared; the message names the file, the problem and the fix."""


def _shape_problem(document: Any) -> str | None:
    """What keeps ``document`` from being a merged matrix, or ``None`` when it is one.

    Only what the comparison reads is required, so baselines from older or newer kits compare.
    """
    if not isinstance(document, dict):
        return f"it holds a JSON {type(document).__name__}, not an object"
    if "checks" in document and "cell" in document:
        return "it is one session's results file, not a merged report"
    for key in ("cells", "features"):
        if not isinstance(document.get(key), list):
            return f"it has no {key!r} list"
    for cell in document["cells"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("id"), str):
            return "a cell has no string 'id'"
    for feature in document["features"]:
        if not isinstance(feature, dict) or not isinstance(feature.get("id"), str):
            return "a feature has no string 'id'"
        cells = feature.get("cells")
        if not isinstance(cells, dict) or not all(
            isinstance(entry, dict) and isinstance(entry.get("verdict"), str)
            for entry in cells.values()
        ):
            return f"feature {feature['id']!r} has no verdict per cell"
    return None


def load_baseline(path: Path) -> dict[str, Any]:
    """The merged document at ``path``, or a ``BaselineError`` that says what to pass instead."""
    try:
        document = load_json(path)
    except UnreadableJSON as exc:
        raise BaselineError(f"baseline {exc}. {BASELINE_FIX}") from exc
    problem = _shape_problem(document)
    if problem:
        raise BaselineError(f"baseline {path}: not a merged report: {problem}. {BASELINE_FIX}")
    return document


def _verdicts(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Verdict by feature id, then cell id."""
    return {
        feature["id"]: {cell: entry["verdict"] for cell, entry in feature["cells"].items()}
        for feature in document["features"]
    }


def compare(baseline: dict[str, Any], current: dict[str, Any], *, source: str) -> dict[str, Any]:
    """The differences from ``baseline`` to ``current``, in the current matrix's order.

    ``changed`` lists cells present in both whose verdict differs; features and cells present in
    only one side are listed by id instead, so a newly added feature is not 14 "changes".
    """
    old, new = _verdicts(baseline), _verdicts(current)
    old_cells = [cell["id"] for cell in baseline["cells"]]
    new_cells = [cell["id"] for cell in current["cells"]]
    changed = [
        {"feature": feature_id, "cell": cell_id, "old": old[feature_id][cell_id], "new": verdict}
        for feature_id, cells in new.items()
        if feature_id in old
        for cell_id in new_cells
        if (verdict := cells.get(cell_id)) is not None
        and cell_id in old[feature_id]
        and old[feature_id][cell_id] != verdict
    ]
    return {
        "baseline": {"source": source, "generated_at": baseline.get("generated_at")},
        "changed": changed,
        "added_features": [feature for feature in new if feature not in old],
        "removed_features": [feature for feature in old if feature not in new],
        "added_cells": [cell for cell in new_cells if cell not in old_cells],
        "removed_cells": [cell for cell in old_cells if cell not in new_cells],
    }
