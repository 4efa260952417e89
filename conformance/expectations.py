"""Recorded expectations: each cell's verdicts as of the last accepted run.

    python -m conformance.expectations record   # accept the current reports/results.json
    python -m conformance.expectations check    # fail, naming each cell, if a verdict changed

Kept outside the checks (like web-platform-tests' expectation files) and regenerated from
results, so a Django patch release that changes behaviour is noticed the week it ships. Only
sessions that completed are compared or recorded: a cell that did not run is no change.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.results import UnreadableJSON, load_json, write_json_atomically

DEFAULT_FILE = Path(__file__).parent / "data" / "expectations.json"
EXPECTATIONS_SCHEMA_VERSION = 1


class ExpectationsError(Exception):
    """An expectations or results file that cannot be used; the message says the fix."""


def _complete_cells(merged: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {cell["id"]: cell for cell in merged["cells"] if cell["state"] == "complete"}


def observed(merged: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Verdict by cell, then feature, for the cells that completed."""
    complete = _complete_cells(merged)
    verdicts: dict[str, dict[str, str]] = {cell_id: {} for cell_id in complete}
    for feature in merged["features"]:
        for cell_id in complete:
            verdict = feature["cells"][cell_id]["verdict"]
            if verdict != "not-run":
                verdicts[cell_id][feature["id"]] = verdict
    return verdicts


def record(merged: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """New expectations: the completed cells of ``merged``, the other cells as they were."""
    cells = dict((previous or {}).get("cells", {}))
    complete = _complete_cells(merged)
    for cell_id, verdicts in observed(merged).items():
        cells[cell_id] = {
            "django": complete[cell_id]["environment"]["django"],
            "verdicts": dict(sorted(verdicts.items())),
        }
    return {
        "schema_version": EXPECTATIONS_SCHEMA_VERSION,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cells": dict(sorted(cells.items())),
    }


def changes(expected: dict[str, Any], merged: dict[str, Any]) -> list[dict[str, Any]]:
    """Every (cell, feature) whose verdict differs from the expectation, old and new."""
    found = []
    for cell_id, verdicts in observed(merged).items():
        if cell_id not in expected["cells"]:
            continue
        wanted = expected["cells"][cell_id]["verdicts"]
        for feature_id in sorted(set(wanted) | set(verdicts)):
            old, new = wanted.get(feature_id), verdicts.get(feature_id, "not-run")
            if old != new:
                found.append({"cell": cell_id, "feature": feature_id, "expected": old, "new": new})
    return found


def _load(path: Path, what: str) -> dict[str, Any]:
    try:
        return load_json(path)
    except UnreadableJSON as exc:
        raise ExpectationsError(
            f"{what} {exc}. Fix: run `nox` first (results), or `nox -s expectations` to "
            "record expectations."
        ) from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.expectations")
    parser.add_argument("command", choices=["record", "check"])
    parser.add_argument("--results", type=Path, default=Path("reports/results.json"))
    parser.add_argument("--expectations", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args(argv)
    try:
        merged = _load(args.results, "results file")
        if args.command == "record":
            previous = (
                _load(args.expectations, "expectations") if args.expectations.exists() else None
            )
            document = record(merged, previous)
            write_json_atomically(args.expectations, document)
            print(f"expectations: recorded {len(observed(merged))} cells in {args.expectations}")
            return 0
        found = changes(_load(args.expectations, "expectations"), merged)
    except ExpectationsError as exc:
        print(f"expectations: {exc}", file=sys.stderr)
        return 2
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for change in found:
        line = (
            f"{change['cell']}: {change['feature']} was {change['expected'] or '(no expectation)'}"
            f", now {change['new']}"
        )
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
