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
from html import unescape as html_unescape
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

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
    member_name,
    not_run_cells,
    ordered_claims,
    releases,
    search_data,
    since_labels,
    split_here,
    surface_members,
    twin_name,
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


# Stand-ins for a row's feature title, id, member name and its twin's name (``queryset.acount``,
# ``acount``, ``count``) in its template (``row_templates``): control characters, which the
# server-rendered markup never holds (``visible`` escapes them).
TITLE_MARK, ID_MARK, MEMBER_MARK, TWIN_MARK = "\x02", "\x03", "\x04", "\x05"
_MARKS = re.compile(f"[{TITLE_MARK}{ID_MARK}{MEMBER_MARK}{TWIN_MARK}]")
MATRIX_ROW = '<div class="r" role="row" id="feature-'
DIVERGENCE_ROW = '<tr id="divergence-'


def _fill(template: str, feature: str, title: str) -> str:
    """A template's stand-ins replaced by a feature's (escaped) id, member name, its twin's name
    and title."""
    marks = {TITLE_MARK: title, ID_MARK: feature, MEMBER_MARK: member_name(feature)}
    marks[TWIN_MARK] = twin_name(feature)
    return _MARKS.sub(lambda mark: marks[mark.group()], template)


def row_templates(parts: list[str], titles: dict[str, str], start: str) -> dict[str, Any]:
    """Markup made of one row per feature (each starting with ``start`` and the feature's id)
    as row templates: each row with its feature's title, id, member name and twin's name
    replaced by stand-ins. The matrix's rows differ mostly by those (1,066 rows of the real run
    share 86 templates), and compressed markup pays for them at every one of a row's cells, so
    the page sends each template once and each row as (template, feature): a tenth of the
    compressed matrix, two thirds of the Divergences table. ``titles``: each feature's title as
    the markup has it (escaped), in the page data's ``feature_order``; a row's feature is its
    place there, and its id and title come from the page's data (report.js ``expandRows``). A
    row the stand-ins cannot round-trip goes as it is (place -1)."""
    place = {feature: index for index, feature in enumerate(titles)}
    templates: dict[str, int] = {}
    encoded = []
    for part in parts:
        head, *rows = part.split(start)
        found = []
        for rest in rows:
            row = start + rest
            feature = html_unescape(rest[: rest.index('"')])
            escaped = str(escape(feature))
            member, twin = member_name(escaped), twin_name(escaped)
            template, at = row, -1
            if not _MARKS.search(row) and feature in place:
                marked = row.replace(titles[feature], TITLE_MARK).replace(escaped, ID_MARK)
                marked = marked.replace(member, MEMBER_MARK) if member else marked
                marked = marked.replace(twin, TWIN_MARK) if twin else marked
                if _fill(marked, escaped, titles[feature]) == row:
                    template, at = marked, place[feature]
            found.append([templates.setdefault(template, len(templates)), at])
        encoded.append([head, found])
    return {"templates": list(templates), "parts": encoded}


def markup_titles(merged: Merged) -> dict[str, str]:
    """Each feature's title as the page's markup has it, in the features' order: control
    characters shown (``visible``), then escaped, as report.js ``expandRows`` writes it too."""
    return {f["id"]: str(escape(visible(f["title"]))) for f in merged["features"]}


def expand_rows(payload: dict[str, Any], titles: dict[str, str]) -> list[str]:
    """``row_templates`` undone, as report.js ``expandRows`` does: each part's markup."""
    templates, features = payload["templates"], list(titles)
    return [
        head
        + "".join(
            _fill(templates[index], str(escape(features[at])), titles[features[at]])
            if at >= 0
            else templates[index]
            for index, at in rows
        )
        for head, rows in payload["parts"]
    ]


def deferred_rows(parts: str | list[str], titles: dict[str, str], start: str) -> Markup:
    """``deferred`` for markup of one row per feature, as row templates (``row_templates``)."""
    # plain strings: a Markup part would escape the text joined to it
    parts = [str(parts)] if isinstance(parts, str) else [str(part) for part in parts]
    return Markup(
        '<script type="application/octet-stream" data-deferred data-rows'
        ' data-encoding="gzip+base64">'
        f"{encode_data(row_templates(parts, titles, start))}</script>"
    )


def expand_deferred(payload: Any, titles: dict[str, str]) -> list[str]:
    """A deferred element's parts as markup, whichever form it came in."""
    return expand_rows(payload, titles) if isinstance(payload, dict) else payload


def decode_data(encoded: str) -> Any:
    """``encode_data`` undone: what the page's script sees."""
    return json.loads(gzip.decompress(base64.b64decode(encoded)).decode("utf-8"))


def page_script() -> Markup:
    """report.js as the page carries it: without its comment lines and indentation, a quarter
    of its bytes (the source keeps them for its readers). Only whole lines go, and only when
    no kept line holds a template literal, the one place a line could start inside a string."""
    source = files("conformance.report").joinpath("templates/report.js").read_text("utf-8")
    kept = [line.strip() for line in source.splitlines()]
    kept = [line for line in kept if line and not line.startswith("//")]
    if any("`" in line for line in kept):
        return Markup(source)
    return Markup("\n".join(kept) + "\n")


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
    env.filters["deferred_rows"] = deferred_rows
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
        page_script=page_script,
        MATRIX_ROW=MATRIX_ROW,
        DIVERGENCE_ROW=DIVERGENCE_ROW,
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
            # each title as the markup has it, for the matrix's row templates
            titles=markup_titles(merged),
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
