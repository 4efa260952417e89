"""``python -m conformance.report``: merge ``reports/sessions/*.json`` and render the report.

With ``--baseline OLD_results.json`` (the results.json of an earlier run) the report also lists
and highlights every cell whose verdict changed since then.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from conformance.report.compare import BaselineError, compare, load_baseline
from conformance.report.merge import MergedSchemaError, merge, validate_merged
from conformance.report.render import render_html, render_markdown
from conformance.results import write_json_atomically, write_text_atomically


def write_report(reports: Path, baseline: Path | None = None) -> dict[str, Any]:
    """Merge the session files under ``reports/sessions`` and write the three outputs.

    The baseline is read before anything is written, so ``--baseline reports/results.json``
    compares with the previous run instead of with itself.
    """
    earlier = load_baseline(baseline) if baseline is not None else None
    merged = merge(reports / "sessions")
    if earlier is not None and baseline is not None:
        merged["changes"] = compare(earlier, merged, source=baseline.name)
    validate_merged(merged)  # the contract with every reader of results.json, kept when written
    write_json_atomically(reports / "results.json", merged)
    write_text_atomically(reports / "index.html", render_html(merged))
    write_text_atomically(reports / "summary.md", render_markdown(merged))
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.report", description=__doc__)
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="reports folder")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="OLD_results.json",
        help="the results.json of an earlier run: changed cells are highlighted and listed",
    )
    args = parser.parse_args(argv)
    try:
        merged = write_report(args.reports, args.baseline)
    except (BaselineError, MergedSchemaError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"report: cannot write to {args.reports} ({exc.strerror}: {exc.filename}). "
            "Fix: make the folder writable or pass --reports with another folder.",
            file=sys.stderr,
        )
        return 2
    states = [cell["state"] for cell in merged["cells"]]
    print(
        f"report: {len(merged['features'])} features x {len(states)} cells "
        f"({states.count('complete')} complete) -> {args.reports / 'index.html'}"
    )
    if "changes" in merged:
        print(f"report: {len(merged['changes']['changed'])} cells changed since {args.baseline}")
    for problem in merged["problems"]:
        print(f"report: unreadable results file {problem}", file=sys.stderr)
    return 1 if merged["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
