"""Render the merged matrix as one self-contained HTML page and a Markdown summary."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from conformance.features import AREAS

# Symbol, word and colour for each verdict: never colour alone.
VERDICT_STYLE: dict[str, dict[str, str]] = {
    "native": {"symbol": "✓", "label": "native", "color": "#1a7f37"},
    "needs-sync-to-async": {"symbol": "⇄", "label": "needs sync_to_async", "color": "#9a6700"},
    "absent": {"symbol": "—", "label": "absent", "color": "#57606a"},
    "unsupported": {"symbol": "✗", "label": "unsupported", "color": "#cf222e"},
    "diverges": {"symbol": "≠", "label": "diverges", "color": "#a40e26"},
    "error": {"symbol": "!", "label": "error", "color": "#8250df"},
    "skipped": {"symbol": "∅", "label": "skipped", "color": "#6e7781"},
    "not-run": {"symbol": "?", "label": "not run", "color": "#8c959f"},
}


def _environment(templates: str) -> Environment:
    env = Environment(
        loader=PackageLoader("conformance.report", templates),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(VERDICT_STYLE=VERDICT_STYLE, AREAS=AREAS)
    return env


def render_html(merged: dict[str, Any]) -> str:
    """The report page: every cell of every feature, with its evidence, in one file."""
    return _environment("templates").get_template("index.html.j2").render(merged=merged)


def _md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, newlines or HTML."""
    cleaned = " ".join(str(text).split())
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        cleaned = cleaned.replace(raw, escaped)
    return cleaned[:300]


def render_markdown(merged: dict[str, Any]) -> str:
    """A summary that fits a CI job summary: the matrix by symbol, then problems."""
    env = Environment(autoescape=False, undefined=StrictUndefined, trim_blocks=True)
    env.filters["md"] = _md_cell
    env.globals.update(VERDICT_STYLE=VERDICT_STYLE)
    from importlib.resources import files

    source = files("conformance.report").joinpath("templates/summary.md.j2").read_text("utf-8")
    return env.from_string(source).render(merged=merged)
