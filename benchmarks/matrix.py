"""Run the default matrix twice, one cell at a time and then side by side, and print the figures.

    python benchmarks/matrix.py            # reuse existing nox environments (the everyday case)
    python benchmarks/matrix.py --fresh    # empty .nox and a new, empty uv cache first
    python benchmarks/matrix.py --jobs 4   # side by side with 4 cells at a time (default: cores)

Each run is ``nox`` itself (every default cell, then the report) with ``-j 1`` and then with
``-j N``; nox's own ``--report`` gives each session's duration. Per cell, the table shows both
durations and, from the results file of the parallel run, database set-up and test time (the
rest is environment set-up: venv, installs, nox start-up). A second table splits the test time
by check family (the suite's modules), with the calls the surface grid made. Figures go to
stdout and to ``reports/benchmark.json``. This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = ROOT / "reports/sessions"


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


def run_matrix(jobs: int, env: dict[str, str]) -> tuple[float, dict[str, dict]]:
    """Wall time of ``nox -j <jobs>`` and nox's own report of each session."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "nox.json"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "nox", "-j", str(jobs), "--report", str(report)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        wall = time.perf_counter() - started
        entries = json.loads(report.read_text())["sessions"] if report.exists() else []
    return wall, {entry["signatures"][0]: entry for entry in entries if entry.get("signatures")}


def cell_of(signature: str) -> str:
    return signature.removeprefix("conformance(").removesuffix(")")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="empty .nox and the uv cache first")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    runs = {}
    for name, jobs in (("sequential", 1), ("parallel", args.jobs)):
        if args.fresh:
            shutil.rmtree(ROOT / ".nox", ignore_errors=True)
            env["UV_CACHE_DIR"] = tempfile.mkdtemp(prefix="conformance-uv-cache-")
        runs[name] = run_matrix(jobs, env)
    documents = {path.stem: json.loads(path.read_text()) for path in SESSIONS.glob("*.json")}
    rows = []
    for signature, entry in runs["parallel"][1].items():
        document = documents.get(cell_of(signature), {})
        pytest_s = document.get("duration_s") or 0.0
        database_s = (document.get("timings") or {}).get("database_setup_s", 0.0)
        sequential = runs["sequential"][1].get(signature, {})
        rows.append(
            {
                "session": cell_of(signature),
                "result": entry.get("result"),
                "checks": len(document.get("checks", [])),
                "sequential_s": round(sequential.get("duration", 0.0), 1),
                "parallel_s": round(entry.get("duration", 0.0), 1),
                "database_s": round(database_s, 1),
                "tests_s": round(pytest_s - database_s, 1),
            }
        )
    columns = list(rows[0]) if rows else []
    widths = [28, 8, 7, 13, 11, 11, 8]

    def line(values) -> str:
        return " ".join(
            f"{value!s:<{w}}" if i == 0 else f"{value!s:>{w}}"
            for i, (value, w) in enumerate(zip(values, widths, strict=True))
        )

    print(line(columns))
    for row in rows:
        print(line([row[name] for name in columns]))
    sequential_wall, parallel_wall = runs["sequential"][0], runs["parallel"][0]
    print(
        f"\nwhole run (cells + report), {'fresh' if args.fresh else 'warm'}: one at a time "
        f"{sequential_wall:.0f} s, {args.jobs} at a time {parallel_wall:.0f} s "
        f"({sequential_wall / parallel_wall:.2f}x)"
    )
    by_family = families([documents[row["session"]] for row in rows if row["session"] in documents])
    print(f"\n{'family':<28} {'checks':>7} {'seconds':>8} {'grid calls':>11}")
    for family, entry in by_family.items():
        print(f"{family:<28} {entry['checks']:>7} {entry['seconds']:>8} {entry['calls']:>11}")
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports/benchmark.json").write_text(
        json.dumps(
            {
                "fresh": args.fresh,
                "jobs": args.jobs,
                "sequential_wall_s": round(sequential_wall, 1),
                "parallel_wall_s": round(parallel_wall, 1),
                "sessions": rows,
                "families": by_family,
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
