"""The scan's outputs: a table to read, one JSON object for tools, SARIF 2.1.0 for code
scanning, and GitHub workflow commands that annotate a pull request's lines."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from conformance.scan.assess import Assessed

# Marks a finding whose receiver was typed by its name alone (``--strict`` leaves it out).
BY_NAME = "(by name)"


def as_json(
    assessed: list[Assessed],
    *,
    release: str,
    backend: str,
    results: str,
    minimum: dict[str, str | None],
    blocked: dict[str, dict[str, list[str]]],
    skipped: list[str],
    excluded: list[str],
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
                "certain": a.finding.certain,
            }
            for a in assessed
        ],
        "minimum_release": minimum,
        "blocking": blocked,
        "skipped_files": skipped,
        "excluded_folders": excluded,
    }


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _details(finding: dict[str, Any], shown: set[str]) -> list[str]:
    """The chain that reaches a finding, and a workaround the first time it applies; it is
    "tested" only when the kit ran that very text in a cell (the results' wrapped forms)."""
    lines = []
    if finding["chain"]:
        lines.append(f"    reached from {' -> '.join(finding['chain'])}")
    workaround = finding["workaround"] or {}
    usable = [a for a in workaround.get("alternatives", []) if a["native_since"]]
    wrapped = workaround.get("wrapped_form")
    if wrapped and not usable and wrapped not in shown:
        shown.add(wrapped)
        tested = workaround.get("wrapped_form_tested")
        label = "tested workaround" if tested else "workaround (written by the scan)"
        lines.append(f"    {label}:")
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
                f["feature"] if f["certain"] else f"{f['feature']} {BY_NAME}",
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
    lines.extend(_lacks(document))
    lines.extend(f"skipped {problem}" for problem in document["skipped_files"])
    if document["excluded_folders"]:
        lines.append(
            f"left out (excluded folders; --include NAME scans one): "
            f"{', '.join(document['excluded_folders'])}"
        )
    return "\n".join(lines)


def _lacks(document: dict[str, Any]) -> list[str]:
    """What keeps each older release out, one line per release and list of features, with the
    backends it holds for grouped (``Django 4.1 (sqlite, postgresql) lacks: ...``)."""
    findings = document["findings"]
    grouped: dict[tuple[str, str], list[str]] = {}
    for backend_name, releases in document["blocking"].items():
        # Findings native in no release would repeat on every line: they are listed once.
        never = {
            f"{f['path']}:{f['line']} {f['feature']}"
            for f in findings
            if f["native_since"].get(backend_name) is None
        }
        if never:
            grouped.setdefault(("", _blockers(sorted(never))), []).append(backend_name)
        for series, labels in releases.items():
            others = [label for label in labels if label not in never]
            if others:
                grouped.setdefault((series, _blockers(others)), []).append(backend_name)
    lines = []
    for (series, blockers), backends in grouped.items():
        where = ", ".join(backends)
        if series:
            lines.append(f"  Django {series} ({where}) lacks: {blockers}")
        else:
            lines.append(f"  native in no measured release ({where}): {blockers}")
    return lines


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# Verdicts that mean the code as written fails, or will, on the chosen release.
ERROR_VERDICTS = frozenset({"needs-sync-to-async", "absent", "unsupported"})
WARNING_VERDICTS = frozenset({"needs-await", "diverges", "error"})


def _level(verdict: str) -> str:
    if verdict in ERROR_VERDICTS:
        return "error"
    return "warning" if verdict in WARNING_VERDICTS else "note"


def _message(finding: dict[str, Any], document: dict[str, Any]) -> str:
    where = f"Django {document['release']} ({document['backend']})"
    certainty = "" if finding["certain"] else f" {BY_NAME}"
    advice = f": {finding['advice']}" if finding["advice"] else ""
    return f"{finding['feature']} is {finding['verdict']} on {where}{advice}{certainty}"


def as_sarif(document: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    """SARIF 2.1.0 (what GitHub code scanning uploads): one rule per feature found, one result
    per finding, located by a path relative to the working folder where it can be."""
    features = sorted({f["feature"] for f in document["findings"]})
    rules = [
        {
            "id": feature,
            "name": feature,
            "shortDescription": {"text": titles.get(feature, feature)},
        }
        for feature in features
    ]
    results = [
        {
            "ruleId": f["feature"],
            "ruleIndex": features.index(f["feature"]),
            "level": _level(f["verdict"]),
            "message": {"text": _message(f, document)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f["path"])},
                        "region": {"startLine": f["line"]},
                    }
                }
            ],
            "properties": {"verdict": f["verdict"], "certain": f["certain"]},
        }
        for f in document["findings"]
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "conformance-scan",
                        "informationUri": "https://docs.djangoproject.com/en/stable/topics/async/",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


def _uri(path: str) -> str:
    """A relative URI where the file is under the working folder (what code scanning maps to
    the repository), else an absolute ``file:`` URI."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return resolved.as_uri()


def _escape(text: str) -> str:
    """Workflow-command escaping of a message (GitHub's rules: %, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def as_github(document: dict[str, Any]) -> str:
    """One ``::error``/``::warning``/``::notice`` workflow command per finding that asks for
    something (a ``native`` one needs no change, and would bury the others on a pull request)."""
    commands = {"error": "error", "warning": "warning", "note": "notice"}
    lines = []
    for f in document["findings"]:
        if f["verdict"] == "native":
            continue
        command = commands[_level(f["verdict"])]
        location = f"file={_uri(f['path'])},line={f['line']},title={f['feature']}"
        lines.append(f"::{command} {location}::{_escape(_message(f, document))}")
    return "\n".join(lines)
