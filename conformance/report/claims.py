"""The claims audit: every version or capability statement of the reference, decided by the matrix.

Claims are data (``conformance/data/claims.toml``, ``[[claim]]`` tables); this module computes
each one's status from the merged results alone (it never imports Django: it runs in the report
step). A claim ``asserts`` one of:

- ``native``: its features work natively from ``since`` on (and, when ``since`` is later than
  the oldest measured release, not before: "available from 5.0" is refuted by "native since 4.1").
- ``needs-sync-to-async``: its features need ``sync_to_async`` in the ``releases`` it names, and
  none of its ``alternatives`` (feature ids of native APIs for the same work) is native there.
- ``measurement``: each ``[[claim.measure]]`` condition holds on the measurements the checks of
  its feature recorded, in every measured cell. A condition on a timing (``TIMING``) quotes in
  ``stated`` the reference's words that give its bound: timings vary machine to machine, so a
  bound the kit chose would make the verdict the machine's.
- ``measured``: a claim about timings that states no number ("similar performance"): its
  ``[[claim.measure]]`` keys are reported with their spread over repeats and cells, and the
  claim stays ``untestable`` for the ``why`` it gives.
- ``untestable``: the data says ``why``.

Status is ``confirmed``, ``refuted`` (with what was observed instead) or ``untestable`` (with
why, including "not measured in any complete cell").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from conformance.claims import OPERATORS, SPREAD, load
from conformance.report.view import measured, series_version, span, span_label


def in_words(feature: dict[str, Any], cells: list[dict[str, Any]]) -> str:
    """What the matrix saw of one feature, in words: "native since 4.2", "absent in every
    release", "native in every release", or verdict by release range, per backend if they differ.
    """
    seen = measured(feature, cells, complete_only=True)
    if not seen:
        return f"{feature['id']}: not measured in any complete cell"
    by_backend: dict[str, list[tuple[str, str]]] = {}
    for cell, verdict in seen:
        by_backend.setdefault(cell["backend"], []).append((cell["django_series"], verdict))
    since = feature.get("since") or {}
    phrases = {
        backend: _phrase(pairs, (since.get(backend) or {}).get("series"))
        for backend, pairs in sorted(by_backend.items())
    }
    if len(set(phrases.values())) == 1:
        return f"{feature['id']}: {next(iter(phrases.values()))}"
    return f"{feature['id']}: " + "; ".join(f"{phrase} on {b}" for b, phrase in phrases.items())


def _phrase(pairs: list[tuple[str, str]], first_native: str | None) -> str:
    """One backend's verdicts by release in words; ``first_native`` is the merge's "since"."""
    pairs = sorted(pairs, key=lambda pair: series_version(pair[0]))
    verdicts = [verdict for _, verdict in pairs]
    if len(set(verdicts)) == 1:
        return f"{verdicts[0]} in every measured release ({span_label(span(s for s, _ in pairs))})"
    before = [
        (s, v)
        for s, v in pairs
        if first_native and series_version(s) < series_version(first_native)
    ]
    if first_native and before and len({v for _, v in before}) == 1:
        return f"native since {first_native} ({before[0][1]} before)"
    runs: list[tuple[str, list[str]]] = []
    for series, verdict in pairs:
        if runs and runs[-1][0] == verdict:
            runs[-1][1].append(series)
        else:
            runs.append((verdict, [series]))
    return ", ".join(f"{verdict} in {span_label(span(series))}" for verdict, series in runs)


def _native_since(feature: dict[str, Any], cells: list[dict[str, Any]]) -> dict[str, Any]:
    """The merge's "native since" of the feature, for the backends it was measured on only,
    where "not native" would otherwise be a guess."""
    backends = {cell["backend"] for cell, _ in measured(feature, cells, complete_only=True)}
    return {
        backend: found
        for backend, found in sorted(feature.get("since", {}).items())
        if backend in backends
    }


def _decide_native(claim, features, cells) -> tuple[str, str | None, list[str]]:
    since = claim.get("since")
    claimed = SpecifierSet(claim.get("releases") or (f">={since}" if since else ""))
    deciding, problems = [], []
    for feature in features:
        inside = measured(feature, cells, complete_only=True, releases=claimed)
        deciding += [cell["id"] for cell, _ in inside]
        wrong = [(cell, verdict) for cell, verdict in inside if verdict != "native"]
        earlier = [
            (cell, verdict)
            for cell, verdict in measured(feature, cells, complete_only=True)
            if since
            and Version(cell["django_series"]) < Version(since)
            and verdict == "native"
            and not claim.get("releases")
        ]
        if wrong or earlier:
            problems.append(in_words(feature, cells))
            deciding += [cell["id"] for cell, _ in earlier]
    if not deciding:
        return "untestable", _not_measured(features, claimed), []
    if problems:
        return "refuted", "; ".join(problems), deciding
    return "confirmed", "; ".join(in_words(f, cells) for f in features), deciding


def _decide_needs(claim, features, alternatives, cells) -> tuple[str, str | None, list[str]]:
    claimed = SpecifierSet(claim.get("releases", ""))
    deciding, problems = [], []
    for feature in features:
        inside = measured(feature, cells, complete_only=True, releases=claimed)
        deciding += [cell["id"] for cell, _ in inside]
        if any(verdict != "needs-sync-to-async" for _, verdict in inside):
            problems.append(in_words(feature, cells))
    if not deciding:
        return "untestable", _not_measured(features, claimed), []
    native_alternatives = []
    for alternative, feature in alternatives:
        if feature is None:
            continue
        inside = measured(feature, cells, complete_only=True, releases=claimed)
        if any(verdict == "native" for _, verdict in inside):
            deciding += [cell["id"] for cell, verdict in inside if verdict == "native"]
            native_alternatives.append(f"{alternative['api']} ({in_words(feature, cells)})")
    if native_alternatives:
        problems.append("a native alternative exists: " + "; ".join(native_alternatives))
    if problems:
        return "refuted", "; ".join(problems), deciding
    return "confirmed", "; ".join(in_words(f, cells) for f in features), deciding


def _lookup(evidence: dict[str, Any] | None, key: str) -> Any:
    """A value from a check's evidence: ``queries`` or a dotted path in ``measurements``."""
    if not evidence:
        return None
    if key == "queries":
        return evidence.get("queries")
    value: Any = evidence.get("measurements") or {}
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _measurements(claim, by_id, cells) -> Iterable[tuple[dict, str, str, Any]]:
    """(condition, cell id, label, value) for every measurement a claim's conditions read."""
    several = len({condition["feature"] for condition in claim.get("measure", [])}) > 1
    for condition in claim.get("measure", []):
        feature = by_id.get(condition["feature"])
        if feature is None:
            continue
        label = condition["key"]
        label = f"{condition['feature']} {label}" if several else label
        for cell, _ in measured(feature, cells, complete_only=True):
            for check in feature["cells"][cell["id"]].get("checks", []):
                value = _lookup(check.get("evidence"), condition["key"])
                if value is not None:
                    yield condition, cell["id"], label, value


def _decide_measured(claim, by_id, cells) -> tuple[str, str | None, list[str]]:
    """A timing claim with no number to decide by: its figures, reported with their spread."""
    seen: dict[str, list[Any]] = {}
    deciding = []
    for _, cell_id, label, value in _measurements(claim, by_id, cells):
        deciding.append(cell_id)
        seen.setdefault(label, []).append(value)
    if not seen:
        keys = ", ".join(f"{c['feature']} {c['key']}" for c in claim.get("measure", []))
        return "untestable", f"{claim['why']} Not measured in any complete cell ({keys}).", []
    figures = "; ".join(f"{key} {_range(values)}" for key, values in seen.items())
    count = len(set(deciding))
    where = f"{count} cell" if count == 1 else f"{count} cells"
    return "untestable", f"{claim['why']} Measured in {where}: {figures}.", []


def _decide_measurement(claim, by_id, cells) -> tuple[str, str | None, list[str]]:
    fails, deciding = [], []
    seen: dict[str, list[Any]] = {}
    for condition, cell_id, label, value in _measurements(claim, by_id, cells):
        deciding.append(cell_id)
        seen.setdefault(label, []).append(value)
        if not OPERATORS[condition["op"]](value, condition["value"]):
            fails.append(
                f"{cell_id}: {condition['key']} = {value} "
                f"(claimed {condition['op']} {condition['value']})"
            )
    deciding = sorted(set(deciding), key=deciding.index)
    if not deciding:
        keys = ", ".join(f"{c['feature']} {c['key']}" for c in claim.get("measure", []))
        return "untestable", f"not measured in any complete cell ({keys})", []
    ranges = "; ".join(f"{key} {_range(values)}" for key, values in seen.items())
    if fails:
        shown = "; ".join(fails[:6]) + ("; ..." if len(fails) > 6 else "")
        return (
            "refuted",
            f"fails in {len(fails)} of {sum(map(len, seen.values()))} measurements ({ranges}): "
            f"{shown}",
            deciding,
        )
    return "confirmed", f"holds in all {len(deciding)} measured cells ({ranges})", deciding


def _range(values: list[Any]) -> str:
    """The measured values in words: one value, the span of numbers, the span of spreads (as
    ``measure.spread`` records them, one per cell), or the distinct values."""
    if values and all(isinstance(v, dict) and set(v) >= SPREAD for v in values):
        low, high = min(v["median"] for v in values), max(v["median"] for v in values)
        medians = f"= {low}" if low == high else f"from {low} to {high}"
        return (
            f"median {medians} (interquartile range within a cell from "
            f"{min(v['q1'] for v in values)} to {max(v['q3'] for v in values)}; every run from "
            f"{min(v['min'] for v in values)} to {max(v['max'] for v in values)})"
        )
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers and len(numbers) == len(values):
        low, high = min(numbers), max(numbers)
        return f"= {low}" if low == high else f"from {low} to {high}"
    distinct = sorted({repr(v) for v in values})
    return "= " + " or ".join(distinct)


def _not_measured(features: list[dict[str, Any]], claimed: SpecifierSet) -> str:
    names = ", ".join(feature["id"] for feature in features)
    scope = f" within Django {claimed}" if str(claimed) else ""
    return f"not measured in any complete cell{scope} ({names})"


def audit(
    features: Iterable[dict[str, Any]],
    cells: list[dict[str, Any]],
    data: dict[str, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Every claim with its status, decided by the merged ``features`` over ``cells``."""
    data = load() if data is None else data
    data.setdefault("alternative", [])
    by_id = {feature["id"]: feature for feature in features}
    api_of = {alternative["feature"]: alternative["api"] for alternative in data["alternative"]}
    order = {cell["id"]: index for index, cell in enumerate(cells)}
    audited = []
    for claim in data["claim"]:
        feature_ids = list(claim.get("features", []))
        known = [by_id[f] for f in feature_ids if f in by_id]
        unknown = [f for f in feature_ids if f not in by_id]
        alternatives = [
            ({"feature": alt, "api": api_of.get(alt, alt)}, by_id.get(alt))
            for alt in claim.get("alternatives", [])
        ]
        asserts = claim["asserts"]
        if asserts == "untestable":
            status, observed, deciding = "untestable", claim["why"], []
        elif asserts == "measurement":
            status, observed, deciding = _decide_measurement(claim, by_id, cells)
        elif asserts == "measured":
            status, observed, deciding = _decide_measured(claim, by_id, cells)
        elif not known:
            status, observed, deciding = (
                "untestable",
                f"no check of {', '.join(unknown)} in these results",
                [],
            )
        elif asserts == "native":
            status, observed, deciding = _decide_native(claim, known, cells)
        else:
            status, observed, deciding = _decide_needs(claim, known, alternatives, cells)
        if unknown and asserts != "untestable" and status != "untestable":
            observed = f"{observed} (no check of {', '.join(unknown)} in these results)"
        audited.append(
            {
                "id": claim["id"],
                "section": claim["section"],
                # where a claim not from the reference is made (a package's documentation)
                "source": claim.get("source"),
                "quote": claim["quote"],
                "claim": claim["claim"],
                "features": feature_ids,
                "status": status,
                "observed": observed,
                "cells": sorted(set(deciding), key=lambda c: (order.get(c, len(order)), c)),
                "asserts": asserts,
                "since": claim.get("since"),
                "releases": claim.get("releases"),
                "alternatives": [
                    {
                        "api": alternative["api"],
                        "feature": alternative["feature"],
                        "native_since": _native_since(feature, cells) if feature else None,
                    }
                    for alternative, feature in alternatives
                ],
            }
        )
    return audited


def sync_to_async_table(
    merged: dict[str, Any], data: dict[str, list[dict[str, Any]]] | None = None
) -> list[dict[str, Any]]:
    """Per pattern that needed ``sync_to_async`` somewhere: its verdict per release and backend,
    since when it runs natively (if ever), and the native alternatives with their own "since".

    The rows for the report's "which patterns still need sync_to_async" table.
    """
    data = load() if data is None else data
    cells = merged["cells"]
    by_id = {feature["id"]: feature for feature in merged["features"]}
    rows = []
    for feature in merged["features"]:
        if feature.get("kind") != "pattern":
            continue
        seen = measured(feature, cells, complete_only=True)
        if not any(verdict == "needs-sync-to-async" for _, verdict in seen):
            continue
        alternatives = [
            {
                "api": alternative["api"],
                "feature": alternative["feature"],
                "native_since": _native_since(by_id[alternative["feature"]], cells)
                if alternative["feature"] in by_id
                else None,
            }
            for alternative in data.get("alternative", [])
            if alternative["pattern"] == feature["id"]
        ]
        rows.append(
            {
                "feature": feature["id"],
                "title": feature.get("title", feature["id"]),
                "verdicts": {cell["id"]: verdict for cell, verdict in seen},
                "native_since": _native_since(feature, cells),
                "summary": in_words(feature, cells),
                "alternatives": alternatives,
            }
        )
    return rows
