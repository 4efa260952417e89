"""Compare a merged matrix with an earlier one, so a changed cell is visible in the report.

Pure functions over merged documents (the ``results.json`` the report writes): no files are read
here except by ``load_baseline``, and nothing imports Django.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.results import UnreadableJSON, load_json
from conformance.verdicts import UNMEASURED, Verdict, VerdictTable, differences

BASELINE_FIX = (
    "Fix: pass the results.json written by an earlier `python -m conformance.report` run "
    "(reports/results.json, e.g. a CI artifact), not a per-session file from reports/sessions."
)


# The kinds of a verdict change, in the order a reader must see them: what broke first, then what
# arrived, what got fixed, what newly disagrees with its sync twin, and the rest. ``improvement``
# is True for a change for the better, False for one for the worse, None when it is neither.
CHANGE_KINDS: dict[str, dict[str, Any]] = {
    "regression": {"label": "Regressions", "improvement": False},
    "new-api": {"label": "New APIs", "improvement": True},
    # an API that ships already disagreeing with its sync twin: new, but not an improvement
    "arrives-diverging": {"label": "New APIs that arrive diverging", "improvement": False},
    "fix": {"label": "Fixes", "improvement": True},
    "new-divergence": {"label": "New divergences", "improvement": False},
    "other": {"label": "Other changes", "improvement": None},
}


def change_kind(old: str, new: str) -> str:
    """The kind of a verdict change from ``old`` to ``new``, a key of ``CHANGE_KINDS``.

    One rule for the baseline diff and the page's release compare (which gets it as a table), so
    both order the same change the same way. A side that was not measured makes any change
    "other": a session that failed says nothing about Django, so it is no regression.
    """
    if old in UNMEASURED or new in UNMEASURED:
        return "other"
    if old == Verdict.NATIVE:
        return "regression"
    if old == Verdict.ABSENT:
        return "arrives-diverging" if new == Verdict.DIVERGES else "new-api"
    if new == Verdict.NATIVE:
        return "fix"
    if new == Verdict.DIVERGES:
        return "new-divergence"
    return "other"


def by_kind(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``changes`` (each with ``old`` and ``new``) with their ``kind``, regressions first; the
    order within a kind is kept."""
    rank = list(CHANGE_KINDS)
    classified = [
        change | {"kind": change_kind(change["old"], change["new"])} for change in changes
    ]
    return sorted(classified, key=lambda change: rank.index(change["kind"]))


class BaselineError(Exception):
    """A baseline that cannot be compared; the message names the file, the problem and the fix."""


def merged_shape_problem(document: Any) -> str | None:
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
    problem = merged_shape_problem(document)
    if problem:
        raise BaselineError(f"baseline {path}: not a merged report: {problem}. {BASELINE_FIX}")
    return document


def verdict_table(document: dict[str, Any]) -> VerdictTable:
    """Verdict by (cell id, feature id) of a merged document."""
    return {
        (cell, feature["id"]): entry["verdict"]
        for feature in document["features"]
        for cell, entry in feature["cells"].items()
    }


def compare(baseline: dict[str, Any], current: dict[str, Any], *, source: str) -> dict[str, Any]:
    """The differences from ``baseline`` to ``current``: changed cells by kind (regressions
    first, see ``change_kind``), then in the current matrix's order.

    ``changed`` lists cells present in both whose verdict differs; features and cells present in
    only one side are listed by id instead, so a newly added feature is not 14 "changes".
    """
    old, new = verdict_table(baseline), verdict_table(current)
    old_features = [feature["id"] for feature in baseline["features"]]
    new_features = [feature["id"] for feature in current["features"]]
    old_cells = [cell["id"] for cell in baseline["cells"]]
    new_cells = [cell["id"] for cell in current["cells"]]
    changed = differences(
        [old, new],
        keys=old.keys() & new.keys(),
        order=lambda key: (new_features.index(key[1]), new_cells.index(key[0])),
    )
    return {
        "baseline": {"source": source, "generated_at": baseline.get("generated_at")},
        "changed": by_kind(
            [
                {"feature": d.feature, "cell": d.cell, "old": d.verdicts[0], "new": d.verdicts[1]}
                for d in changed
            ]
        ),
        "added_features": [feature for feature in new_features if feature not in old_features],
        "removed_features": [feature for feature in old_features if feature not in new_features],
        "added_cells": [cell for cell in new_cells if cell not in old_cells],
        "removed_cells": [cell for cell in old_cells if cell not in new_cells],
    }
