"""``python -m conformance.scan PATH...``: the kit's verdicts for your own code.

Exit status: 0 when done, 1 when ``--fail-on`` matched a finding (listed on stderr), 2 when
the results file, the configuration or the paths cannot be used, or nothing could be scanned
(one line naming the problem and the fix).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import sys
from pathlib import Path

from conformance.scan.assess import VERDICT_CHOICES, assess, blocking, minimum_release
from conformance.scan.config import SECTION, load_config, suppressed_features
from conformance.scan.finder import Finding, find
from conformance.scan.render import as_github, as_json, as_sarif, as_text
from conformance.scan.results import Matrix, ScanError, load_results
from conformance.scan.sources import FileSet, excluded_names, python_files
from conformance.scan.tree import parse_tree
from conformance.scan.vocabulary import Vocabulary

DEFAULT_RESULTS = Path(os.environ.get("CONFORMANCE_REPORTS", "reports")) / "results.json"
FORMATS = ("text", "json", "sarif", "github")


def _verdicts(words: list[str]) -> frozenset[str]:
    chosen = frozenset(word.strip() for word in words if word.strip())
    unknown = sorted(chosen - set(VERDICT_CHOICES))
    if unknown:
        raise ScanError(
            f"unknown verdict {', '.join(unknown)} in --fail-on. "
            f"Fix: choose from {', '.join(VERDICT_CHOICES)}."
        )
    return chosen


def _default_backends() -> str:
    """The backends of the default results file, for ``--help``: they are the choices. Without
    one, the backends the kit's matrix declares (a results file holds a subset of them)."""
    try:
        matrix = Matrix.from_document(load_results(str(DEFAULT_RESULTS)))
    except ScanError:
        from conformance.matrix import backends

        declared = ", ".join(backend.name for backend in backends())
        return f"one of the results file's backends (the kit's matrix has {declared})"
    return "one of " + ", ".join(matrix.backends)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.scan",
        description="Judge your Django project's async ORM use by the kit's verdicts.",
        epilog="Exit status: 0 done, 1 --fail-on matched, 2 unusable input. docs/scan.md",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument("--django", metavar="X.Y", help="release to judge by (default: newest)")
    parser.add_argument(
        "--db",
        metavar="BACKEND",
        help=f"backend to judge by: {_default_backends()} (default: postgresql); naming an "
        "add-on column (e.g. async-backend) also counts it in the minimum release",
    )
    parser.add_argument("--format", choices=FORMATS, default="text")
    parser.add_argument(
        "--results",
        default=str(DEFAULT_RESULTS),
        metavar="PATH-or-URL",
        help=f"a merged results.json, path or http(s) URL (default: {DEFAULT_RESULTS})",
    )
    parser.add_argument(
        "--fail-on",
        metavar="VERDICTS",
        help="comma-separated verdicts that make the scan exit 1, e.g. needs-sync-to-async,absent",
    )
    parser.add_argument(
        "--strict", action="store_true", help="report only findings whose receiver is typed"
    )
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="FOLDER",
        help="scan folders with this name although they are excluded by default (e.g. build)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="also leave out folders matching this name or glob (e.g. legacy, *_old)",
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


def _files(paths: list[Path], include: list[str], exclude: list[str]) -> FileSet:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ScanError(
            f"no such file or folder: {', '.join(missing)}. "
            "Fix: pass the folders of your Django project, e.g. `... scan myproject/`."
        )
    found = python_files(paths, excluded_names(include, exclude))
    if not found.files:
        left_out = sorted(str(folder) for folder in found.excluded)
        reason = (
            f"every one is in an excluded folder ({', '.join(left_out[:5])})"
            if left_out
            else "there are none"
        )
        fix = (
            _include_fix({Path(f).name for f in left_out}, exclude)
            if left_out
            else "pass the folders that hold your project's .py files"
        )
        raise ScanError(
            f"no Python files to scan under {', '.join(map(str, paths))}: {reason}. Fix: {fix}."
        )
    return found


def _include_fix(names: set[str], exclude: list[str]) -> str:
    """How to scan the folders left out: ``--include`` for the default names, dropping the
    ``--exclude`` pattern (or the ``pyproject.toml`` entry) that a folder matches otherwise."""
    excluded_by_user = {
        pattern for pattern in exclude for name in names if fnmatch.fnmatchcase(name, pattern)
    }
    defaults = sorted(n for n in names if not any(fnmatch.fnmatchcase(n, p) for p in exclude))
    fixes = []
    if defaults:
        fixes.append(f"pass {' '.join(f'--include {n}' for n in defaults)} to scan them")
    if excluded_by_user:
        patterns = ", ".join(sorted(excluded_by_user))
        fixes.append(f"drop the exclude {patterns} (--exclude or [tool.{SECTION}] exclude)")
    return "; ".join(fixes)


def _unsuppressed(findings: list[Finding]) -> list[Finding]:
    """Findings not silenced by ``# conformance: ignore[...]`` on their line."""
    cache: dict[str, list[str]] = {}
    kept = []
    for finding in findings:
        silenced = suppressed_features(finding.path, finding.line, cache)
        if silenced is None or not ({"*", finding.feature} & silenced):
            kept.append(finding)
    return kept


def main(argv: list[str] | None = None) -> int:
    """The command: exit 1 only when ``--fail-on`` matched; a fault of the scan itself is
    named with the way to report it and exits 2, never 1 as a traceback would."""
    args = _parser().parse_args(argv)
    try:
        return _scan(args)
    except Exception as exc:  # any fault of the scan must not read as --fail-on's exit 1
        notes = getattr(exc, "__notes__", [])
        where = " ".join(notes) or "rerun on one folder at a time to find it"
        print(
            f"scan: internal error ({exc.__class__.__name__}: {exc}; {where}). Fix: report it "
            "with that code; --exclude its folder meanwhile.",
            file=sys.stderr,
        )
        return 2


def _scan(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.paths).values
        backend = args.db or config.get("backend") or "postgresql"
        fail_on = _verdicts(
            args.fail_on.split(",") if args.fail_on is not None else config.get("fail-on", [])
        )
        files = _files(
            args.paths,
            [*config.get("include", []), *args.include],
            [*config.get("exclude", []), *args.exclude],
        )
        document = load_results(args.results)
        matrix = Matrix.from_document(document)
        release = _choose_cell(matrix, args.django or config.get("release"), backend)
        tree, skipped = parse_tree(files.files, Vocabulary.from_features(matrix.titles))
        if len(skipped) == len(files.files):
            more = f"; and {len(skipped) - 3} more" if len(skipped) > 3 else ""
            raise ScanError(
                f"none of the {len(files.files)} Python files could be parsed "
                f"({'; '.join(skipped[:3])}{more}). "
                "Fix: scan source that Python itself can compile."
            )
    except ScanError as exc:
        print(f"scan: {exc}", file=sys.stderr)
        return 2
    findings = _unsuppressed(find(tree))
    if args.strict:
        findings = [f for f in findings if f.certain]
    assessed = [assess(finding, matrix, release, backend) for finding in findings]
    counted = matrix.counted_backends(backend)
    result = as_json(
        assessed,
        release=release,
        backend=backend,
        results=args.results,
        minimum=minimum_release(assessed, matrix, counted),
        blocked=blocking(assessed, matrix, counted),
        skipped=[*skipped, *tree.problems],
        excluded=sorted(str(folder) for folder in files.excluded),
    )
    renderers = {
        "text": as_text,
        "json": lambda d: json.dumps(d, indent=2),
        "sarif": lambda d: json.dumps(as_sarif(d, matrix.titles), indent=2),
        "github": as_github,
    }
    try:
        print(renderers[args.format](result), flush=True)
    except BrokenPipeError:  # ``... | head``: the reader has what it wanted; --fail-on still counts
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    failing = [a for a in assessed if a.verdict in fail_on]
    for found in failing:
        print(
            f"scan: {found.label}: {found.verdict} on Django {release} ({backend})", file=sys.stderr
        )
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())
