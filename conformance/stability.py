"""Run cells several times and compare their verdicts, like web-platform-tests' stability check.

    python -m conformance.stability --runs 3 django-6.1-sqlite [CELL ...] [-- PYTEST-ARGS]

Arguments after ``--`` go to every run's pytest, e.g. ``-- -k properties`` to repeat only the
checks that draw random data.

Each run goes through nox into its own reports folder (``CONFORMANCE_REPORTS``), so the
everyday ``reports/`` is left alone. Verdicts must not change between runs of the same code on
the same versions; any feature whose verdict differs is listed with every run's verdict and,
for each run, why its checks decided so (their notes and the call that decided), so an
intermittent can be diagnosed from one failing run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from conformance.provision import processes
from conformance.provision.names import REPORTS_ENV
from conformance.results import ResultsFileError, read_results
from conformance.verdicts import VerdictTable, differences

# One nox run of the chosen cells; a hung one must not stall the comparison.
RUN_TIMEOUT_S = 3600.0


def verdicts_of(sessions: Path, cell_ids: list[str]) -> VerdictTable:
    """The feature verdicts of one run's results files; a missing cell is an error."""
    found: dict[tuple[str, str], str] = {}
    for cell_id in cell_ids:
        document = read_results(sessions / f"{cell_id}.json")
        found |= {(cell_id, name): entry["verdict"] for name, entry in document["features"].items()}
    return found


def why(sessions: Path, cell_id: str, feature: str) -> list[str]:
    """One line per check of ``feature`` in one run: its verdict, the call and its notes."""
    try:
        document = read_results(sessions / f"{cell_id}.json")
    except ResultsFileError as exc:
        return [str(exc)]
    lines = []
    for check in document["checks"]:
        if check["feature"] != feature:
            continue
        evidence = check.get("evidence") or {}
        call = evidence.get("example") or ""
        notes = "; ".join(check.get("notes") or [])
        lines.append(f"{check['verdict']}: {call} {notes}".strip())
    return lines


def unstable(runs: list[VerdictTable]) -> list[dict[str, Any]]:
    """Every (cell, feature) whose verdict is not the same in all runs."""
    return [
        {"cell": d.cell, "feature": d.feature, "verdicts": list(d.verdicts)}
        for d in differences(runs)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.stability")
    parser.add_argument("cells", nargs="+", help="cell ids, e.g. django-6.1-sqlite")
    parser.add_argument("--runs", type=int, default=3)
    argv = sys.argv[1:] if argv is None else argv
    pytest_args = argv[argv.index("--") :] if "--" in argv else []
    args = parser.parse_args(argv[: len(argv) - len(pytest_args)])
    runs: list[VerdictTable] = []
    with tempfile.TemporaryDirectory(prefix="conformance-stability-") as scratch:
        for index in range(args.runs):
            reports = Path(scratch) / f"run-{index + 1}"
            sessions = [f"conformance({cell})" for cell in args.cells]
            try:
                completed = processes.run(
                    [sys.executable, "-m", "nox", "-s", *sessions, *pytest_args],
                    env={**os.environ, REPORTS_ENV: str(reports)},
                    timeout_s=RUN_TIMEOUT_S,
                )
            except subprocess.TimeoutExpired:
                print(f"stability: run {index + 1} ran past {RUN_TIMEOUT_S:g} s", file=sys.stderr)
                return 2
            try:
                runs.append(verdicts_of(reports / "sessions", args.cells))
            except ResultsFileError as exc:
                print(f"stability: run {index + 1} left no usable results: {exc}", file=sys.stderr)
                print(completed.stdout[-2000:] + completed.stderr[-2000:], file=sys.stderr)
                return 2
            print(f"stability: run {index + 1} of {args.runs}: nox exit {completed.returncode}")
        differing = unstable(runs)
        for entry in differing:
            verdicts = " / ".join(entry["verdicts"])
            print(f"unstable: {entry['cell']}: {entry['feature']}: {verdicts}")
            for index in range(args.runs):
                sessions = Path(scratch) / f"run-{index + 1}" / "sessions"
                for line in why(sessions, entry["cell"], entry["feature"]):
                    print(f"  run {index + 1}: {line}")
    checked = len(runs[0])
    print(
        f"stability: {checked} verdicts in {len(args.cells)} cells over {args.runs} runs: "
        + ("identical" if not differing else f"{len(differing)} differ")
    )
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
