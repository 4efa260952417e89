"""The merged results file the scan judges findings by: read from a path or an http(s) URL.

Only what the scan reads is required of the document, so results from older or newer kits
work; anything else missing is one ``ScanError`` naming the problem and the fix.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from conformance.report import claims
from conformance.results import UnreadableJSON, load_json
from conformance.verdicts import Verdict

RESULTS_FIX = (
    "Fix: run `nox` (or `nox -s report` over existing session files) to write "
    "reports/results.json, or pass --results with the results.json of a kit run "
    "(a path, or an https:// URL such as the published report's)."
)
WRAPPED_FORM_MARKER = "# wrapped form\n"


class ScanError(Exception):
    """A problem the user must fix before scanning; the message is one line with the fix."""


def _fetch(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            text = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ScanError(f"results {url}: cannot be fetched ({reason}). {RESULTS_FIX}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScanError(f"results {url}: is not JSON ({exc.msg}). {RESULTS_FIX}") from exc


def _shape_problem(document: Any) -> str | None:
    if not isinstance(document, dict):
        return f"it holds a JSON {type(document).__name__}, not an object"
    if "checks" in document and "cell" in document:
        return "it is one session's results file, not the merged results.json"
    for key in ("cells", "features"):
        if not isinstance(document.get(key), list):
            return f"it has no {key!r} list"
    for cell in document["cells"]:
        if not isinstance(cell, dict) or not all(
            isinstance(cell.get(k), str) for k in ("id", "django_series", "backend")
        ):
            return "a cell lacks a string 'id', 'django_series' or 'backend'"
        try:
            Version(cell["django_series"])
        except InvalidVersion:
            return f"cell {cell['id']!r} has no release number ({cell['django_series']!r})"
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


def load_results(source: str) -> dict[str, Any]:
    """The merged document at a path or http(s) URL, checked for what the scan reads."""
    if source.startswith(("http://", "https://")):
        document = _fetch(source)
    else:
        try:
            document = load_json(Path(source))
        except UnreadableJSON as exc:
            raise ScanError(f"results {exc}. {RESULTS_FIX}") from exc
    problem = _shape_problem(document)
    if problem:
        raise ScanError(f"results {source}: not a merged results file: {problem}. {RESULTS_FIX}")
    return document


def _wrapped_form(feature: dict[str, Any]) -> str | None:
    """The sync_to_async form a check ran and saw work, from its evidence."""
    for entry in feature["cells"].values():
        for check in entry.get("checks") or []:
            snippet = (check.get("evidence") or {}).get("snippet") or ""
            if WRAPPED_FORM_MARKER in snippet:
                return snippet.split(WRAPPED_FORM_MARKER, 1)[1].strip()
    return None


@dataclass(frozen=True)
class Matrix:
    """Verdicts by feature and cell, the releases in order, and each pattern's workarounds."""

    releases: tuple[str, ...]
    backends: tuple[str, ...]
    cells: dict[tuple[str, str], str]  # (series, backend) -> cell id
    verdicts: dict[tuple[str, str], str]  # (feature, cell id) -> verdict
    titles: dict[str, str]
    wrapped_forms: dict[str, str]
    alternatives: dict[str, list[dict[str, str]]]  # pattern -> [{feature, api}]

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Matrix:
        cells = {(c["django_series"], c["backend"]): c["id"] for c in document["cells"]}
        alternatives: dict[str, list[dict[str, str]]] = {}
        for entry in claims.load().get("alternative", []):
            alternatives.setdefault(entry["pattern"], []).append(
                {"feature": entry["feature"], "api": entry["api"]}
            )
        return cls(
            releases=tuple(sorted({s for s, _ in cells}, key=Version)),
            backends=tuple(dict.fromkeys(b for _, b in cells)),
            cells=cells,
            verdicts={
                (feature["id"], cell_id): entry["verdict"]
                for feature in document["features"]
                for cell_id, entry in feature["cells"].items()
            },
            titles={f["id"]: f.get("title") or f["id"] for f in document["features"]},
            wrapped_forms={
                f["id"]: form for f in document["features"] if (form := _wrapped_form(f))
            },
            alternatives=alternatives,
        )

    def measures(self, feature: str) -> bool:
        return feature in self.titles

    def verdict(self, feature: str, series: str, backend: str) -> str:
        """The feature's verdict in that cell; ``not-run`` when the results lack either."""
        cell = self.cells.get((series, backend))
        return self.verdicts.get((feature, cell or ""), Verdict.NOT_RUN.value)
