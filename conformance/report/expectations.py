"""Recorded expectations: the verdicts of the last accepted run, sparse, per feature.

    python -m conformance.report.expectations record  # accept reports/results.json
    python -m conformance.report.expectations check   # fail, naming each changed verdict

Kept outside the checks, in the manner of web-platform-tests' metadata files, and regenerated
from results. ``conformance/data/expectations.toml`` lists only what is not "native in every
recorded cell": per feature, a ``default`` verdict when it is not native, then the cells that
differ from it, keyed by release (``"4.1"``: both backends) or by cell (``"4.1-sqlite"``). A list
accepts any of its verdicts (a known intermittent); ``reason`` says why, and both survive
re-recording. Only sessions that completed are compared or recorded: a cell that did not run is
no change. Cells are ordered by what the results (or, for a cell the run lacks, its id) say they
are, never by the backends file, so the same results record the same bytes on every machine.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

from conformance.matrix import read_toml
from conformance.report.view import cell_id_order
from conformance.results import UnreadableJSON, load_json, write_text_atomically
from conformance.verdicts import Difference, Verdict, VerdictTable, differences

DEFAULT_FILE = Path(__file__).parent.parent / "data" / "expectations.toml"
EXPECTATIONS_SCHEMA_VERSION = 2
DEFAULT = Verdict.NATIVE.value
HEADER = """\
# Recorded verdicts, sparse: a feature that is native in every recorded cell is not listed.
# Per feature: `default` (when not native), then cells that differ from it, keyed by release
# ("4.1": both backends) or cell ("4.1-sqlite"); a list accepts any of its verdicts (a known
# intermittent); `reason` says why. Written by `nox -s expectations`; reasons and lists survive.

"""


class ExpectationsError(Exception):
    """An expectations or results file that cannot be used; the message says the fix."""


def _complete_cells(merged: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {cell["id"]: cell for cell in merged["cells"] if cell["state"] == "complete"}


def observed(merged: dict[str, Any]) -> VerdictTable:
    """Verdict by (cell, feature), for the cells that completed."""
    complete = _complete_cells(merged)
    return {
        (cell_id, feature["id"]): verdict
        for feature in merged["features"]
        for cell_id in complete
        if (verdict := feature["cells"][cell_id]["verdict"]) != Verdict.NOT_RUN
    }


def _selector(cell_id: str) -> tuple[str, str]:
    """``django-4.1-sqlite`` -> (``4.1``, ``4.1-sqlite``)."""
    release_and_backend = cell_id.removeprefix("django-")
    return release_and_backend.split("-", 1)[0], release_and_backend


def expected(document: dict[str, Any]) -> VerdictTable:
    """The verdict (or accepted verdicts) of every (recorded cell, feature) the file implies.

    Features the file does not name are expected ``native`` in every recorded cell; the
    caller passes the keys it observed, so an unlisted feature is compared too.
    """
    table: dict[tuple[str, str], Any] = {}
    for feature_id, entry in document.get("features", {}).items():
        for cell_id in document["cells"]:
            release, own = _selector(cell_id)
            value = entry.get(own, entry.get(release, entry.get("default", DEFAULT)))
            table[(cell_id, feature_id)] = value
    return table


def record(
    merged: dict[str, Any],
    previous: dict[str, Any] | None = None,
    reasons: dict[str, str] | None = None,
) -> dict[str, Any]:
    """New expectations: the completed cells of ``merged``, the other cells as they were.

    An ``error`` verdict is the kit failing to decide, so it is accepted only with a reason
    (``reasons``, or one already recorded); otherwise ``ExpectationsError`` names the features.
    """
    previous = previous or {"cells": {}, "features": {}}
    reasons = reasons or {}
    old = expected(previous)
    table = {
        key: value
        for key, value in old.items()
        if key[0] not in _complete_cells(merged) and key[0] in previous["cells"]
    }
    for key, verdict in observed(merged).items():
        kept = old.get(key)
        table[key] = kept if isinstance(kept, list) and verdict in kept else verdict
    cells = dict(previous["cells"]) | {
        cell_id: cell["environment"]["django"] for cell_id, cell in _complete_cells(merged).items()
    }
    order = cell_id_order(merged["cells"])
    features: dict[str, dict[str, Any]] = {}
    for feature_id in sorted({feature for _, feature in table}):
        by_cell = {c: table[(c, feature_id)] for c in cells if (c, feature_id) in table}
        entry = _sparse(by_cell, order)
        reason = reasons.get(feature_id) or previous["features"].get(feature_id, {}).get("reason")
        if reason:
            entry["reason"] = reason
        if entry:
            features[feature_id] = entry
    unexplained = [
        feature_id
        for feature_id, entry in features.items()
        if "reason" not in entry and any(_accepts_error(value) for value in entry.values())
    ]
    if unexplained:
        raise ExpectationsError(
            f"refusing to record an `error` verdict without a reason: {', '.join(unexplained)}. "
            "Fix: fix the check, or say why the error is expected: `nox -s expectations -- "
            f'--reason {unexplained[0]}="..."`.'
        )
    return {
        "schema_version": EXPECTATIONS_SCHEMA_VERSION,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cells": dict(sorted(cells.items(), key=lambda item: order(item[0]))),
        "features": features,
    }


def _accepts_error(value: str | list[str]) -> bool:
    return Verdict.ERROR.value in (value if isinstance(value, list) else [value])


def _sparse(by_cell: dict[str, Any], order: Callable[[str], Any]) -> dict[str, Any]:
    """One feature's verdicts as a default and the releases or cells that differ from it, in
    the cells' ``order``."""
    counts = Counter(repr(value) for value in by_cell.values())
    common = max(by_cell.values(), key=lambda value: (counts[repr(value)], value == DEFAULT))
    entry: dict[str, Any] = {} if common == DEFAULT else {"default": common}
    by_release: dict[str, dict[str, Any]] = {}
    for cell_id, value in sorted(by_cell.items(), key=lambda item: order(item[0])):
        release, own = _selector(cell_id)
        by_release.setdefault(release, {})[own] = value
    for release, values in by_release.items():
        different = {own: value for own, value in values.items() if value != common}
        if not different:
            continue
        if len(different) == len(values) and len({repr(v) for v in values.values()}) == 1:
            entry[release] = next(iter(values.values()))
        else:
            entry |= different
    return entry


def changes(document: dict[str, Any], merged: dict[str, Any]) -> list[Difference]:
    """Every (recorded cell, feature) whose verdict differs from the expectation."""
    seen = observed(merged)
    wanted = expected(document)
    recorded = set(document["cells"]) & set(_complete_cells(merged))
    keys = {key for key in seen.keys() | wanted.keys() if key[0] in recorded}
    wanted = {key: wanted.get(key, DEFAULT) for key in keys}
    order = cell_id_order(merged["cells"])
    return differences([wanted, seen], keys=keys, order=lambda key: (order(key[0]), key[1]))


def dumps(document: dict[str, Any]) -> str:
    """The expectations file's text: a header, then TOML."""
    return HEADER + tomli_w.dumps(document)


def load(path: Path) -> dict[str, Any]:
    """An expectations file, checked for the version this kit writes."""
    document = read_toml(
        path,
        ExpectationsError,
        what="expectations",
        missing="record them with `nox -s expectations`.",
        unreadable="restore it from git or record it again with `nox -s expectations`.",
    )
    if document.get("schema_version") != EXPECTATIONS_SCHEMA_VERSION:
        raise ExpectationsError(
            f"expectations {path}: schema version {document.get('schema_version')!r} is not "
            f"{EXPECTATIONS_SCHEMA_VERSION}. Fix: record them again with `nox -s expectations`."
        )
    return document


def _results(path: Path) -> dict[str, Any]:
    try:
        return load_json(path)
    except UnreadableJSON as exc:
        raise ExpectationsError(f"results file {exc}. Fix: run `nox` first.") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.report.expectations")
    parser.add_argument("command", choices=["record", "check"])
    parser.add_argument("--results", type=Path, default=Path("reports/results.json"))
    parser.add_argument("--expectations", type=Path, default=DEFAULT_FILE)
    parser.add_argument(
        "--reason",
        action="append",
        default=[],
        metavar="FEATURE=TEXT",
        help="why a feature's recorded verdict is what it is (required for `error`)",
    )
    args = parser.parse_args(argv)
    reasons = dict(reason.partition("=")[::2] for reason in args.reason)
    try:
        merged = _results(args.results)
        if args.command == "record":
            previous = load(args.expectations) if args.expectations.exists() else None
            document = record(merged, previous, reasons)
            write_text_atomically(args.expectations, dumps(document))
            recorded = len(_complete_cells(merged))
            print(f"expectations: recorded {recorded} cells in {args.expectations}")
            return 0
        found = changes(load(args.expectations), merged)
    except ExpectationsError as exc:
        print(f"expectations: {exc}", file=sys.stderr)
        return 2
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for change in found:
        old, new = change.verdicts
        line = f"{change.cell}: {change.feature} was {old}, now {new}"
        print(f"::error title=Verdict changed::{line}" if annotate else f"changed: {line}")
    if found:
        print(
            f"expectations: {len(found)} verdicts differ from {args.expectations}. If the change "
            "is right, accept it with `nox -s expectations`.",
            file=sys.stderr,
        )
        return 1
    print(f"expectations: every completed cell matches {args.expectations}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
