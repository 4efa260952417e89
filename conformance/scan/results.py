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

from conformance import claims
from conformance.report.compare import merged_shape_problem
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
    """What keeps ``document`` from being a merged report the scan can judge by: the baseline
    check's shape, plus the release and backend of every cell."""
    problem = merged_shape_problem(document)
    if problem is not None:
        return problem
    for cell in document["cells"]:
        if not all(isinstance(cell.get(k), str) for k in ("django_series", "backend")):
            return f"cell {cell['id']!r} lacks a string 'django_series' or 'backend'"
        try:
            Version(cell["django_series"])
        except InvalidVersion:
            return f"cell {cell['id']!r} has no release number ({cell['django_series']!r})"
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
    addons: frozenset[str] = frozenset()  # backends of add-on columns (the report's "columns")

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
            addons=frozenset(c["backend"] for c in document.get("columns") or []),
        )

    def measures(self, feature: str) -> bool:
        return feature in self.titles

    def counted_backends(self, chosen: str) -> tuple[str, ...]:
        """The backends whose releases make the minimum: the stock ones, and an add-on column
        only when it is the one asked for (its APIs are not stock Django's)."""
        return tuple(b for b in self.backends if b not in self.addons or b == chosen)

    def measures_owner(self, feature: str) -> bool:
        """Whether the results measure other members of the feature's owner (``queryset.`` for
        ``queryset.aall``): then a member they lack is in no measured release's surface."""
        owner = feature.rpartition(".")[0]
        return bool(owner) and any(f.startswith(f"{owner}.") for f in self.titles)

    def verdict(self, feature: str, series: str, backend: str) -> str:
        """The feature's verdict in that cell; ``not-run`` when the results lack either."""
        cell = self.cells.get((series, backend))
        return self.verdicts.get((feature, cell or ""), Verdict.NOT_RUN.value)
