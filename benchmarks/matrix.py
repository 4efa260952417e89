"""Run every cell of the matrix once and print where the time goes.

    python benchmarks/matrix.py            # reuse existing nox environments (the everyday case)
    python benchmarks/matrix.py --fresh    # delete them first (a newcomer's first run)

For each session: wall time of ``nox`` for that cell, split into environment set-up (wall time
minus pytest's own run: venv creation, installs, nox start-up), database set-up (test database
creation and migrations, timed by the plugin) and test time (the rest of pytest's run).
A PostgreSQL cell's figure includes starting the throwaway server when it is the first one.
A second table splits the test time by check family (the suite's modules), summed over every
session, with the calls the surface grid made. Figures go to stdout and to
``reports/benchmark.json``. This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.matrix import cells  # noqa: E402


def families(documents: list[dict]) -> dict[str, dict[str, float]]:
    """Seconds per check family (suite module) over all sessions, and the grid calls made."""
    found: dict[str, dict[str, float]] = {}
    for document in documents:
        for check in document["checks"]:
            family = check["id"].split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
            entry = found.setdefault(family, {"checks": 0, "seconds": 0.0, "calls": 0})
            entry["checks"] += 1
            entry["seconds"] = round(entry["seconds"] + check["duration_s"], 2)
            entry["calls"] += ((check.get("evidence") or {}).get("tried") or {}).get("calls", 0)
    return dict(sorted(found.items(), key=lambda item: -item[1]["seconds"]))


def run_cell(cell_id: str) -> dict[str, float | str]:
    """Time one cell through nox and read its results file for the split."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "nox", "-s", f"conformance({cell_id})"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    results = json.loads((ROOT / "reports/sessions" / f"{cell_id}.json").read_text())
    pytest_s = results.get("duration_s") or 0.0
    database_s = results.get("timings", {}).get("database_setup_s", 0.0)
    return {
        "cell": cell_id,
        "status": "ok" if completed.returncode == 0 else f"exit {completed.returncode}",
        "checks": len(results["checks"]),
        "wall_s": round(wall, 2),
        "environment_s": round(wall - pytest_s, 2),
        "database_s": round(database_s, 2),
        "tests_s": round(pytest_s - database_s, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="delete .nox environments first")
    args = parser.parse_args()
    if args.fresh:
        shutil.rmtree(ROOT / ".nox", ignore_errors=True)
    rows = [run_cell(cell.id) for cell in cells()]
    columns = ("cell", "status", "checks", "wall_s", "environment_s", "database_s", "tests_s")
    widths = [24, 8, 7, 8, 14, 11, 8]

    def line(values) -> str:
        return " ".join(
            f"{value!s:<{w}}" if i == 0 else f"{value!s:>{w}}"
            for i, (value, w) in enumerate(zip(values, widths, strict=True))
        )

    print(line(columns))
    for row in rows:
        print(line([row[name] for name in columns]))
    totals = {name: round(sum(row[name] for row in rows), 2) for name in columns[3:]}
    print(line(["total", "", sum(row["checks"] for row in rows), *totals.values()]))
    documents = [
        json.loads((ROOT / "reports/sessions" / f"{cell.id}.json").read_text()) for cell in cells()
    ]
    by_family = families(documents)
    print(f"\n{'family':<28} {'checks':>7} {'seconds':>8} {'grid calls':>11}")
    for family, entry in by_family.items():
        print(f"{family:<28} {entry['checks']:>7} {entry['seconds']:>8} {entry['calls']:>11}")
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports/benchmark.json").write_text(
        json.dumps(
            {"fresh": args.fresh, "sessions": rows, "total": totals, "families": by_family},
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
