"""``python -m conformance.report``: merge ``reports/sessions/*.json`` and render the report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.report.merge import merge
from conformance.report.render import render_html, render_markdown
from conformance.results import write_json_atomically


def write_report(reports: Path) -> dict:
    """Merge the session files under ``reports/sessions`` and write the three outputs."""
    merged = merge(reports / "sessions")
    write_json_atomically(reports / "results.json", merged)
    for name, text in (
        ("index.html", render_html(merged)),
        ("summary.md", render_markdown(merged)),
    ):
        target = reports / name
        temporary = target.with_name(f".{name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(target)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.report", description=__doc__)
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="reports folder")
    args = parser.parse_args(argv)
    try:
        merged = write_report(args.reports)
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
    for problem in merged["problems"]:
        print(f"report: unreadable results file {problem}", file=sys.stderr)
    return 1 if merged["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
