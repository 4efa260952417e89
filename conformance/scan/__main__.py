"""``python -m conformance.scan PATH...``: the kit's verdicts for your own code.

Exit status: 0 when done, 1 when ``--fail-on`` matched a finding (listed on stderr), 2 when
the results file or a path cannot be used (one line naming the problem and the fix).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from conformance.scan.assess import VERDICT_CHOICES, assess, blocking, minimum_release
from conformance.scan.finder import find, parse_tree, python_files
from conformance.scan.render import as_json, as_text
from conformance.scan.results import Matrix, ScanError, load_results

DEFAULT_RESULTS = Path(os.environ.get("CONFORMANCE_REPORTS", "reports")) / "results.json"


def _verdicts(text: str) -> frozenset[str]:
    chosen = frozenset(word.strip() for word in text.split(",") if word.strip())
    unknown = sorted(chosen - set(VERDICT_CHOICES))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown verdict {', '.join(unknown)} (choose from {', '.join(VERDICT_CHOICES)})"
        )
    return chosen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conformance.scan", description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("--django", metavar="X.Y", help="release to judge by (default: newest)")
    parser.add_argument("--db", default="postgresql", metavar="BACKEND", help="sqlite|postgresql")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--results",
        default=str(DEFAULT_RESULTS),
        metavar="PATH-or-URL",
        help=f"a merged results.json, path or http(s) URL (default: {DEFAULT_RESULTS})",
    )
    parser.add_argument(
        "--fail-on",
        type=_verdicts,
        default=frozenset(),
        metavar="VERDICTS",
        help="comma-separated verdicts that make the scan exit 1, e.g. needs-sync-to-async,absent",
    )
    return parser


def _choose_cell(matrix: Matrix, django: str | None, backend: str) -> str:
    if backend not in matrix.backends:
        raise ScanError(
            f"--db {backend}: the results have no such backend. "
            f"Fix: pass one of {', '.join(matrix.backends)}."
        )
    measured = [s for s in matrix.releases if (s, backend) in matrix.cells]
    if django is None:
        return measured[-1]
    if django not in measured:
        raise ScanError(
            f"--django {django}: the results have no {backend} cell for that release. "
            f"Fix: pass one of {', '.join(measured)}, or results from a run that covers it."
        )
    return django


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        missing = [str(p) for p in args.paths if not p.exists()]
        if missing:
            raise ScanError(
                f"no such file or folder: {', '.join(missing)}. "
                "Fix: pass the folders of your Django project, e.g. `... scan myproject/`."
            )
        files = list(python_files(args.paths))
        if not files:
            raise ScanError(
                f"no Python files under {', '.join(map(str, args.paths))}. "
                "Fix: pass the folders that hold your project's .py files."
            )
        matrix = Matrix.from_document(load_results(args.results))
        release = _choose_cell(matrix, args.django, args.db)
    except ScanError as exc:
        print(f"scan: {exc}", file=sys.stderr)
        return 2
    tree, skipped = parse_tree(files)
    assessed = [assess(finding, matrix, release, args.db) for finding in find(tree)]
    document = as_json(
        assessed,
        release=release,
        backend=args.db,
        results=args.results,
        minimum=minimum_release(assessed, matrix),
        blocked=blocking(assessed, matrix),
        skipped=skipped,
    )
    print(json.dumps(document, indent=2) if args.format == "json" else as_text(document))
    failing = [a for a in assessed if a.verdict in args.fail_on]
    for found in failing:
        print(
            f"scan: {found.label}: {found.verdict} on Django {release} ({args.db})", file=sys.stderr
        )
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
