"""The scan's two outputs: a table to read, and one JSON object for tools."""

from __future__ import annotations

from collections import Counter
from typing import Any

from conformance.scan.assess import Assessed


def as_json(
    assessed: list[Assessed],
    *,
    release: str,
    backend: str,
    results: str,
    minimum: dict[str, str | None],
    blocked: dict[str, dict[str, list[str]]],
    skipped: list[str],
) -> dict[str, Any]:
    """One object: the findings with their verdicts, and what they mean for each release."""
    return {
        "release": release,
        "backend": backend,
        "results": results,
        "findings": [
            {
                "path": a.finding.path,
                "line": a.finding.line,
                "feature": a.finding.feature,
                "measured_as": a.measured_as,
                "form": a.finding.form,
                "code": a.finding.code,
                "verdict": a.verdict,
                "native_since": a.native_since,
                "advice": a.advice,
                "workaround": a.workaround,
                "chain": list(a.finding.chain),
            }
            for a in assessed
        ],
        "minimum_release": minimum,
        "blocking": blocked,
        "skipped_files": skipped,
    }


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _details(finding: dict[str, Any], shown: set[str]) -> list[str]:
    """The chain that reaches a finding, and a tested workaround the first time it applies."""
    lines = []
    if finding["chain"]:
        lines.append(f"    reached from {' -> '.join(finding['chain'])}")
    workaround = finding["workaround"] or {}
    usable = [a for a in workaround.get("alternatives", []) if a["native_since"]]
    wrapped = workaround.get("wrapped_form")
    if wrapped and not usable and wrapped not in shown:
        shown.add(wrapped)
        lines.append("    tested workaround:")
        lines.extend(f"      {line}".rstrip() for line in wrapped.splitlines())
    return lines


def _blockers(labels: list[str]) -> str:
    """``views.py:3 model.asave, views.py:9 model.asave`` -> ``model.asave (2)``."""
    features = Counter(label.rpartition(" ")[2] for label in labels)
    return ", ".join(
        f"{feature} ({count})" if count > 1 else feature for feature, count in features.items()
    )


def as_text(document: dict[str, Any]) -> str:
    """The findings as a table, each followed by its call chain and workaround, then the
    minimum release per backend and the features that block each older release."""
    backend = document["backend"]
    findings = document["findings"]
    lines = [
        f"{len(findings)} findings, judged on Django {document['release']} with {backend} "
        f"(results: {document['results']})",
        "",
    ]
    if findings:
        rows = [["location", "feature", "verdict", f"native since ({backend})", "advice"]]
        rows += [
            [
                f"{f['path']}:{f['line']}",
                f["feature"],
                f["verdict"],
                f["native_since"].get(backend) or "never",
                f["advice"],
            ]
            for f in findings
        ]
        table = _table(rows)
        lines.append(table[0])
        shown: set[str] = set()
        for row, finding in zip(table[1:], findings, strict=True):
            lines.append(row)
            lines.extend(_details(finding, shown))
        lines.append("")
    minimum = ", ".join(f"{b} {s or 'none'}" for b, s in document["minimum_release"].items())
    lines.append(f"Oldest release where every finding has a native form: {minimum}")
    for backend_name, releases in document["blocking"].items():
        # Findings native in no release would repeat on every line: they are listed once.
        never = {
            f"{f['path']}:{f['line']} {f['feature']}"
            for f in findings
            if f["native_since"].get(backend_name) is None
        }
        if never:
            lines.append(
                f"  native in no measured release ({backend_name}): {_blockers(sorted(never))}"
            )
        for series, labels in releases.items():
            others = [label for label in labels if label not in never]
            if others:
                lines.append(f"  Django {series} ({backend_name}) lacks: {_blockers(others)}")
    lines.extend(f"skipped {problem}" for problem in document["skipped_files"])
    return "\n".join(lines)
