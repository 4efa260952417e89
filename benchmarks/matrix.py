# /// script
# requires-python = ">=3.11"
# dependencies = ["nox>=2026.10.20", "packaging", "uv"]
# ///
"""Time the default matrix, cell by cell, beside Django's own async tests on the same machine.

    uv run benchmarks/matrix.py                # warm: reuse .nox (the everyday case)
    uv run benchmarks/matrix.py --cold         # first from an empty .nox and uv cache, then warm
    uv run benchmarks/matrix.py --jobs 4       # cells side by side (default: the cores)
    uv run benchmarks/matrix.py --skip-django  # without Django's tests/async anchor

Each matrix run is ``nox`` itself (every default cell, then the report); nox's ``--report``
gives each session's wall time, and the cell's results file its checks, the surface grid's
calls and the seconds its checks took, so calls per second compare across runs. Django's own
``tests/async`` suite (from the release's sdist, run by ``runtests.py`` on SQLite) is timed for
every release of the matrix: it is the floor the kit's cells are read against. A fixed CPU loop
measures the machine, so figures from two machines compare by that ratio. Figures go to stdout
and to ``reports/benchmark.json``. This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import timeit
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.matrix import RELEASES  # noqa: E402

SESSIONS = ROOT / "reports/sessions"
CACHE = ROOT / ".nox/benchmark"
# A cold matrix (empty .nox and uv cache) took about 30 minutes on a slow 2-core machine:
# four times that means the run is stuck, not slow.
MATRIX_TIMEOUT_S = 2 * 60 * 60


def machine_loop_s() -> float:
    """Seconds a fixed pure-Python loop takes on this machine (best of five runs)."""

    def loop() -> int:
        total = 0
        for number in range(2_000_000):
            total = (total + number * number) % 1_000_003
        return total

    return round(min(timeit.repeat(loop, number=1, repeat=5)), 3)


def run_matrix(jobs: int, env: dict[str, str]) -> tuple[float, dict[str, dict[str, Any]]]:
    """Wall time of ``nox -j <jobs>`` and nox's own report of each session, by cell id."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "nox.json"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "nox", "-j", str(jobs), "--report", str(report)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
            timeout=MATRIX_TIMEOUT_S,
        )  # fmt: skip
        wall = time.perf_counter() - started
        entries = json.loads(report.read_text())["sessions"] if report.exists() else []
    return wall, {
        entry["signatures"][0].removeprefix("conformance(").removesuffix(")"): entry
        for entry in entries
        if entry.get("signatures")
    }


def cell_figures(cell_id: str, nox_entry: dict[str, Any]) -> dict[str, Any]:
    """One cell's wall time (from nox) and, from its results file, its checks, the surface
    grid's calls and the calls per second of check time."""
    path = SESSIONS / f"{cell_id}.json"
    document = json.loads(path.read_text()) if path.exists() else {}
    checks = document.get("checks", [])
    calls = sum(((c.get("evidence") or {}).get("tried") or {}).get("calls", 0) for c in checks)
    check_s = sum(c.get("duration_s") or 0.0 for c in checks)
    return {
        "cell": cell_id,
        "result": nox_entry.get("result"),
        "wall_s": round(nox_entry.get("duration", 0.0), 1),
        "checks": len(checks),
        "grid_calls": calls,
        "check_s": round(check_s, 1),
        "calls_per_s": round(calls / check_s) if check_s else 0,
        "django": (document.get("environment") or {}).get("django"),
    }


def _django_tests(version: str) -> Path:
    """The ``tests`` folder of Django ``version``'s sdist, downloaded once."""
    tests = CACHE / f"django-{version}-src/tests"
    if tests.exists():
        return tests
    index = urllib.request.Request(
        "https://pypi.org/simple/django/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},  # PEP 691
    )
    with urllib.request.urlopen(index, timeout=30) as page:
        wanted = f"django-{version}.tar.gz"  # older sdists are named Django-X.Y.Z.tar.gz
        url = next(f["url"] for f in json.load(page)["files"] if f["filename"].lower() == wanted)
    sdist = CACHE / "sdists" / url.rsplit("/", 1)[1]
    sdist.parent.mkdir(parents=True, exist_ok=True)
    urllib.request.urlretrieve(url, sdist)
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if "/tests/" in m.name]
        archive.extractall(CACHE / "unpacked", members=members, filter="data")
    shutil.move(CACHE / f"unpacked/{sdist.name.removesuffix('.tar.gz')}", tests.parent)
    return tests


def django_async_suite(series: str, python: str, version: str) -> dict[str, Any]:
    """Django's own ``tests/async`` for one release, on SQLite, in a venv of its own."""
    venv = CACHE / f"venv-django-{version}"
    if not (venv / "bin/python").exists():
        subprocess.run(["uv", "venv", "--quiet", "-p", python, str(venv)], check=True, timeout=300)
        subprocess.run(
            ["uv", "pip", "install", "--quiet", "-p", str(venv / "bin/python"),
             f"django=={version}"],
            check=True, timeout=600,
        )  # fmt: skip
    tests = _django_tests(version)
    started = time.perf_counter()
    done = subprocess.run(
        [str(venv / "bin/python"), "runtests.py", "async", "--parallel=1", "-v", "1"],
        cwd=tests, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    wall = time.perf_counter() - started
    ran = re.search(r"Ran (\d+) tests? in ([\d.]+)s", done.stderr)
    return {
        "release": series,
        "django": version,
        "tests": int(ran.group(1)) if ran else 0,
        "tests_s": float(ran.group(2)) if ran else None,
        "wall_s": round(wall, 1),
        "ok": done.returncode == 0,
    }


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(none)"
    columns = list(rows[0])
    widths = [max(len(str(c)), *(len(str(r[c])) for r in rows)) for c in columns]
    lines = [" ".join(f"{c:<{w}}" for c, w in zip(columns, widths, strict=True))]
    lines += [
        " ".join(f"{r[c]!s:<{w}}" for c, w in zip(columns, widths, strict=True)) for r in rows
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="empty .nox and uv cache first")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-django", action="store_true", help="no Django tests/async")
    args = parser.parse_args()
    os.environ.setdefault("UV_PYTHON_DOWNLOADS", "never")  # every Python comes from the machine
    env = dict(os.environ)
    figures: dict[str, Any] = {"date": time.strftime("%Y-%m-%d"), "jobs": args.jobs}
    figures["machine_loop_s"] = machine_loop_s()
    print(f"machine: fixed CPU loop {figures['machine_loop_s']} s (lower is faster)")
    runs = ["cold", "warm"] if args.cold else ["warm"]
    for run in runs:
        if run == "cold":
            shutil.rmtree(ROOT / ".nox", ignore_errors=True)
            env["UV_CACHE_DIR"] = tempfile.mkdtemp(prefix="conformance-uv-cache-")
        wall, sessions = run_matrix(args.jobs, env)
        cells = [
            cell_figures(cell_id, entry)
            for cell_id, entry in sessions.items()
            if cell_id.startswith("django-")
        ]
        figures[run] = {"wall_s": round(wall, 1), "cells": cells}
        print(f"\n{run} matrix + report, {args.jobs} at a time: {wall:.0f} s")
        print(_table(cells))
    if not args.skip_django:
        newest = {c["cell"].split("-")[1]: c["django"] for c in figures["warm"]["cells"]}
        anchors = [
            django_async_suite(release.series, release.python, newest[release.series])
            for release in RELEASES
            if newest.get(release.series)
        ]
        figures["django_tests_async"] = anchors
        print("\nDjango's own tests/async on SQLite, one process, same machine:")
        print(_table(anchors))
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports/benchmark.json").write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
