"""Render the merged matrix as one self-contained HTML page and a Markdown summary.

Rendering only: the merge decided every verdict, ``page_data`` computes what the page shows
and ``labels`` how it says it; this module fills the templates. The page is one file that opens
from disk or any static host: inline CSS and JS, no network. The matrix is server-rendered (an
ARIA grid: one link per cell, one tab stop, a permalink per cell), newest release first, one
column per release where its stock backends agree, one per add-on column. Every byte of the
page costs its reader time before the first row shows (the browser decodes the whole file
first), so the page's data (verdicts, titles) and each area's evidence travel as gzip
(``evidence_chunks``), inflated by the browser's own ``DecompressionStream``: the page stays a
few hundred kilobytes while ``results.json`` keeps every byte.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from conformance.features import AREAS
from conformance.report.compare import CHANGE_KINDS
from conformance.report.labels import (
    ADD_ON_STYLE,
    CLAIM_STYLE,
    DIVERGES_MEANING,
    VERDICT_STYLE,
    area_label,
    outcome_text,
    releases_text,
    short_backend,
    short_since,
    since_label,
    since_text,
)
from conformance.report.page_data import (
    add_on_only_in,
    area_groups,
    backend_differences,
    backends,
    cell_key,
    changed_cells,
    claim_links,
    client_data,
    column_cell,
    column_change,
    column_label,
    columns_without,
    divergence_groups,
    evidence_chunks,
    matrix_columns,
    not_run_cells,
    ordered_claims,
    releases,
    search_data,
    since_labels,
    split_here,
    surface_members,
)
from conformance.report.production import in_words as production_in_words
from conformance.report.production import section as production_section
from conformance.report.view import Merged, backend_labels, column

# Control characters, line separators, bidi overrides and isolates, and zero-width characters:
# each would garble, reorder or hide text, so each is shown as its escape instead.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064"
    r"\u2066-\u206f\ufeff]"
)


def _escape_control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: object) -> str:
    """Control, bidi and zero-width characters as ``\\xNN``/``\\uNNNN`` escapes, so they are
    seen instead of garbling, reordering or hiding the text around them."""
    return _CONTROL.sub(_escape_control, str(text))


def encode_data(data: Any) -> str:
    """The page's data as gzip in base64: the evidence of thousands of checks repeats itself,
    so this is a few percent of the JSON, and base64 can never close its script element. The
    page inflates it with the browser's DecompressionStream."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def deferred(parts: str | list[str]) -> Markup:
    """Server-rendered markup the page inserts only once it has loaded: gzip in base64 in a
    script element, where the markup stood. The matrix's rows below its first area, and the
    sections below the matrix, are most of the page's markup and repeat themselves: compressed
    they weigh a few percent, and the parser reaches the first rows sooner. ``parts`` go in one
    at a time, each in a task of its own, so a click is never kept waiting for all of them."""
    parts = [parts] if isinstance(parts, str) else [str(part) for part in parts]
    return Markup(
        '<script type="application/octet-stream" data-deferred data-encoding="gzip+base64">'
        f"{encode_data(parts)}</script>"
    )


def decode_data(encoded: str) -> Any:
    """``encode_data`` undone: what the page's script sees."""
    return json.loads(gzip.decompress(base64.b64decode(encoded)).decode("utf-8"))


def _html_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("conformance.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["visible"] = visible
    env.filters["short_backend"] = short_backend
    env.filters["deferred"] = deferred
    env.filters["gzip_base64"] = encode_data
    env.globals.update(
        VERDICT_STYLE=VERDICT_STYLE,
        CLAIM_STYLE=CLAIM_STYLE,
        AREAS=AREAS,
        ADD_ON_STYLE=ADD_ON_STYLE,
        area_label=area_label,
        column_label=column_label,
        split_here=split_here,
        column_change=column_change,
        column_cell=column_cell,
        claim_links=claim_links,
        add_on_only_in=add_on_only_in,
        columns_without=columns_without,
        divergence_groups=divergence_groups,
        since_labels=since_labels,
        short_since=short_since,
        DIVERGES_MEANING=DIVERGES_MEANING,
        CHANGE_KINDS=CHANGE_KINDS,
        cell_key=cell_key,
        since_label=since_label,
        since_text=since_text,
        releases_text=releases_text,
        outcome_text=outcome_text,
    )
    return env


def render_html(merged: Merged) -> str:
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
            BACKEND_LABELS=backend_labels(merged["cells"]),
            STOCK_LABELS=backend_labels(c for c in merged["cells"] if column(c)["stock"]),
            differences=backend_differences(merged),
            divergences=merged.get("divergences") or [],
            surveyed=[cell for cell in merged["cells"] if cell.get("surface")],
            surface=surface_members(merged["cells"]),
            claims=claims,
            claim_counts={s: sum(c.get("status") == s for c in claims) for s in CLAIM_STYLE},
            changes=merged.get("changes") or {},
            changed=changed_cells(merged),
            releases=releases(merged["cells"]),
            data=encode_data(client_data(merged)),
            evidence=evidence_chunks(merged),
            search=encode_data(search_data(merged)),
            columns=(columns := matrix_columns(merged)),
            not_run=not_run_cells(merged, columns),
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


def render_markdown(merged: Merged) -> str:
    """A compact summary that fits a CI job summary: counts, divergences, refuted claims,
    changes, failures."""
    env = Environment(autoescape=False, undefined=StrictUndefined, trim_blocks=True)
    env.filters["md"] = md_text
    env.globals.update(
        VERDICT_STYLE=VERDICT_STYLE,
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
        BACKEND_LABELS=backend_labels(merged["cells"]),
        limit=50,
        production=production_section(merged),
    )
