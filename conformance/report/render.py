"""Render the merged matrix as one self-contained HTML page and a Markdown summary.

The page is one file that opens from disk or any static host: inline CSS and JS, no network.
The matrix itself is server-rendered HTML (one link per cell, so it is focusable and every cell has
a permalink); the evidence of a cell is drawn by the page's script from the merged data embedded
as JSON, on demand, so thousands of cells do not mean thousands of hidden evidence panels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from conformance import matrix
from conformance.features import AREAS
from conformance.report.compare import CHANGE_KINDS, by_kind, change_kind
from conformance.report.production import in_words as production_in_words
from conformance.report.production import section as production_section
from conformance.verdicts import UNMEASURED

# Symbol, word and colour for each verdict: never colour alone. ``short`` is the word shown
# inside a matrix cell, where the full label does not fit 14 columns on one screen.
VERDICT_STYLE: dict[str, dict[str, str]] = {
    "native": {"symbol": "✓", "label": "native", "short": "native", "color": "#1a7f37"},
    "needs-sync-to-async": {
        "symbol": "⇄",
        "label": "needs sync_to_async",
        "short": "wrap",
        "color": "#9a6700",
    },
    "absent": {"symbol": "—", "label": "absent", "short": "absent", "color": "#57606a"},
    "unsupported": {"symbol": "✗", "label": "unsupported", "short": "no", "color": "#cf222e"},
    "diverges": {"symbol": "≠", "label": "diverges", "short": "differs", "color": "#a40e26"},
    "error": {"symbol": "!", "label": "error", "short": "error", "color": "#8250df"},
    "skipped": {"symbol": "∅", "label": "skipped", "short": "skipped", "color": "#6e7781"},
    "not-run": {"symbol": "?", "label": "not run", "short": "not run", "color": "#8c959f"},
}

# Claim statuses, refuted first: a refuted claim is what a reader of the reference must see.
CLAIM_STYLE: dict[str, dict[str, str]] = {
    "refuted": {"symbol": "✗", "label": "refuted", "color": "#cf222e"},
    "untestable": {"symbol": "?", "label": "untestable", "color": "#6e7781"},
    "confirmed": {"symbol": "✓", "label": "confirmed", "color": "#1a7f37"},
}

# every column's name as people say it, the columns of a user's backends file included
BACKEND_LABELS: dict[str, str] = {column.name: column.label for column in matrix.backends()}

# Said wherever a divergence is shown, so no reader takes a finding for a broken kit.
DIVERGES_MEANING = (
    "A diverges verdict is Django's own behaviour, found by the kit: the async API disagrees "
    "with its sync twin. It is not a failure of the kit."
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _escape_control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: object) -> str:
    """Control characters as ``\\xNN`` escapes, so they are seen instead of garbling the page."""
    return _CONTROL.sub(_escape_control, str(text))


def cell_key(feature_id: str, cell_id: str) -> str:
    """The fragment of one feature's cell: the permalink the page opens the evidence for."""
    return f"{feature_id}--{cell_id}"


def area_groups(features: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Features grouped by area in the vocabulary's order, unknown areas last by name."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for feature in features:
        groups.setdefault(feature["area"], []).append(feature)

    def order(area: str) -> tuple[int, str]:
        return (AREAS.index(area) if area in AREAS else len(AREAS), area)

    return [(area, groups[area]) for area in sorted(groups, key=order)]


def since_label(found: dict[str, Any] | None) -> str:
    """Like browser-compat-data's ``version_added``: a release, "or earlier", or not native."""
    if not found:
        return "not native"
    return f"{found['series']} or earlier" if found.get("floor") else found["series"]


def since_text(since: dict[str, Any], backend_ids: Iterable[str] | None = None) -> str:
    """The merge's "native since", in words: once when every backend agrees, else per backend.

    ``backend_ids`` defaults to the backends ``since`` names.
    """
    backend_ids = list(since) if backend_ids is None else backend_ids
    labels = {backend: since_label(since.get(backend)) for backend in backend_ids}
    if len(set(labels.values())) == 1:
        label = next(iter(labels.values()), "not native")
        return label if label == "not native" else f"native since {label}"
    return "native since " + " · ".join(
        f"{BACKEND_LABELS.get(backend, backend)} {label}" for backend, label in labels.items()
    )


def span_label(span: dict[str, str]) -> str:
    """A first and last release in words: one release, or "first to last"."""
    first, last = span["first"], span["last"]
    return first if first == last else f"{first} to {last}"


def releases_text(divergence: dict[str, Any], backend_ids: list[str]) -> str:
    """Where a divergence holds, in words: once when every backend agrees, else per backend,
    naming the backends where it was not seen."""
    spans = divergence["by_backend"]
    labels = {BACKEND_LABELS.get(b, b): span_label(spans[b]) for b in backend_ids if b in spans}
    unseen = [BACKEND_LABELS.get(b, b) for b in backend_ids if b not in spans]
    if not unseen and len(set(labels.values())) == 1:
        return span_label(divergence)
    seen = " · ".join(f"{backend} {label}" for backend, label in labels.items())
    return seen + (f"; not seen on {' or '.join(unseen)}" if unseen else "")


def outcome_text(found: dict[str, Any] | None) -> str:
    """One side's outcome in words, as the evidence panel words it: the value, or what it
    raised."""
    if not found:
        return "not recorded"
    if found["kind"] == "exception":
        message = found.get("message")
        return f"raised {found.get('type') or '?'}: {found['repr'] if message is None else message}"
    if found["kind"] == "absent":
        return f"absent: {found['repr']}"
    return found["repr"]


def surface_members(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per member of the async surface, how its grid exercised it in the newest complete cell
    that ran it (cells are in matrix order, oldest release first), with that cell."""
    newest: dict[str, dict[str, Any]] = {}
    for cell in cells:
        if cell["state"] == "complete":
            for feature_id, tried in ((cell.get("surface") or {}).get("tried") or {}).items():
                newest[feature_id] = tried | {"feature": feature_id, "cell": cell}
    return [newest[feature_id] for feature_id in sorted(newest)]


def backends(cells: list[dict[str, Any]]) -> list[str]:
    """The backends of the matrix, in column order."""
    return list(dict.fromkeys(cell["backend"] for cell in cells))


def backend_differences(merged: dict[str, Any]) -> list[dict[str, Any]]:
    """Feature x release pairs whose measured verdicts differ between backends.

    Cells that did not run (or errored) are left out: "not measured" is no difference.
    """
    by_series: dict[str, list[dict[str, Any]]] = {}
    for cell in merged["cells"]:
        # a pre-release or source of a series is its own release, never compared with the series
        channel = cell.get("channel", "release")
        key = cell["django_series"] + ("" if channel == "release" else f" ({channel})")
        by_series.setdefault(key, []).append(cell)
    found = []
    for feature in merged["features"]:
        for series, series_cells in by_series.items():
            measured = [
                (cell, feature["cells"][cell["id"]]["verdict"])
                for cell in series_cells
                if cell["id"] in feature["cells"]
                and feature["cells"][cell["id"]]["verdict"] not in UNMEASURED
            ]
            if len({verdict for _, verdict in measured}) > 1:
                found.append(
                    {
                        "feature": feature["id"],
                        "title": feature["title"],
                        "series": series,
                        "cells": [
                            {"id": cell["id"], "backend": cell["backend"], "verdict": verdict}
                            for cell, verdict in measured
                        ],
                    }
                )
    return found


def ordered_claims(claims: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Refuted claims first, then untestable, then confirmed; stable within a status."""
    rank = {status: index for index, status in enumerate(CLAIM_STYLE)}
    return sorted(claims, key=lambda claim: rank.get(claim.get("status"), len(rank)))


def changed_cells(merged: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The comparison with a baseline, by cell fragment and with each change's kind, so the
    matrix can mark changed cells."""
    changes = merged.get("changes") or {}
    return {
        cell_key(change["feature"], change["cell"]): change
        for change in by_kind(changes.get("changed", []))
    }


def releases(cells: list[dict[str, Any]]) -> list[str]:
    """The Django series of the matrix, oldest first (cells are in release order), so the page's
    script compares releases by position instead of parsing versions."""
    return list(dict.fromkeys(cell["django_series"] for cell in cells))


def change_kinds_by_pair() -> dict[str, str]:
    """``change_kind`` for every pair of verdicts, keyed ``"old>new"``: the page's release compare
    looks its kinds up here, so it cannot drift from the baseline diff's rule."""
    return {f"{old}>{new}": change_kind(old, new) for old in VERDICT_STYLE for new in VERDICT_STYLE}


def alternatives_by_pattern(merged: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The native alternatives of each pattern that needed ``sync_to_async``, with their own
    "since" per backend: what "My setup" offers next to the wrapped form."""
    return {row["feature"]: row["alternatives"] for row in merged.get("sync_to_async") or []}


def client_data(merged: dict[str, Any]) -> dict[str, Any]:
    """What the page's script needs: evidence drawn on demand (cells, verdicts and checks), and
    "My setup" and the release compare, which are drawn from the same data for the release,
    backend or pair of releases in the URL."""
    return {
        "verdicts": VERDICT_STYLE,
        "backends": BACKEND_LABELS,
        "cells": {
            cell["id"]: {
                key: cell.get(key)
                for key in (
                    "django_series",
                    "backend",
                    "state",
                    "error",
                    "environment",
                    "started_at",
                    "duration_s",
                )
            }
            for cell in merged["cells"]
        },
        "features": {
            feature["id"]: {key: feature.get(key) for key in ("title", "ref", "since", "cells")}
            for feature in merged["features"]
        },
        # The JSON's objects come out with sorted keys: the orders the page shows go as lists.
        "feature_order": [feature["id"] for feature in merged["features"]],
        "backend_order": backends(merged["cells"]),
        "releases": releases(merged["cells"]),
        "alternatives": alternatives_by_pattern(merged),
        "divergences": [found["feature"] for found in merged.get("divergences") or []],
        "change_kinds": {
            "order": [{"kind": kind} | meaning for kind, meaning in CHANGE_KINDS.items()],
            "by_pair": change_kinds_by_pair(),
        },
        "changes": changed_cells(merged),
        "diverges_meaning": DIVERGES_MEANING,
    }


def _html_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("conformance.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["visible"] = visible
    env.globals.update(
        VERDICT_STYLE=VERDICT_STYLE,
        CLAIM_STYLE=CLAIM_STYLE,
        BACKEND_LABELS=BACKEND_LABELS,
        AREAS=AREAS,
        DIVERGES_MEANING=DIVERGES_MEANING,
        CHANGE_KINDS=CHANGE_KINDS,
        cell_key=cell_key,
        since_label=since_label,
        since_text=since_text,
        releases_text=releases_text,
        outcome_text=outcome_text,
    )
    return env


def render_html(merged: dict[str, Any]) -> str:
    """The report page: divergences, the matrix and its filters, changes, backend differences,
    patterns that need sync_to_async, the claims audit, surface coverage and environments."""
    claims = ordered_claims(merged.get("claims") or [])
    return (
        _html_environment()
        .get_template("index.html.j2")
        .render(
            merged=merged,
            groups=area_groups(merged["features"]),
            backends=backends(merged["cells"]),
            differences=backend_differences(merged),
            divergences=merged.get("divergences") or [],
            surveyed=[cell for cell in merged["cells"] if cell.get("surface")],
            surface=surface_members(merged["cells"]),
            claims=claims,
            claim_counts={s: sum(c.get("status") == s for c in claims) for s in CLAIM_STYLE},
            changes=merged.get("changes") or {},
            changed=changed_cells(merged),
            releases=releases(merged["cells"]),
            data=client_data(merged),
            cells_by_id={cell["id"]: cell for cell in merged["cells"]},
            features_by_id={feature["id"]: feature for feature in merged["features"]},
            production=production_section(merged),
        )
    )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_text(text: object, limit: int = 300) -> str:
    """Text safe inside Markdown (and a table cell): one line, no HTML, no markup, bounded."""
    cleaned = " ".join(_CONTROL.sub(" ", str(text)).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("@", "&#64;")):
        cleaned = cleaned.replace(raw, escaped)
    return _MD_SPECIAL.sub(r"\\\1", cleaned)


def render_markdown(merged: dict[str, Any]) -> str:
    """A compact summary that fits a CI job summary: counts, divergences, refuted claims,
    changes, failures."""
    env = Environment(autoescape=False, undefined=StrictUndefined, trim_blocks=True)
    env.filters["md"] = md_text
    env.globals.update(
        VERDICT_STYLE=VERDICT_STYLE,
        BACKEND_LABELS=BACKEND_LABELS,
        DIVERGES_MEANING=DIVERGES_MEANING,
        releases_text=releases_text,
        production_in_words=production_in_words,
    )
    source = files("conformance.report").joinpath("templates/summary.md.j2").read_text("utf-8")
    claims = ordered_claims(merged.get("claims") or [])
    return env.from_string(source).render(
        merged=merged,
        refuted=[claim for claim in claims if claim.get("status") == "refuted"],
        claims=claims,
        changes=merged.get("changes") or {},
        changed=list(changed_cells(merged).values()),
        divergences=merged.get("divergences") or [],
        backends=backends(merged["cells"]),
        limit=50,
        production=production_section(merged),
    )
