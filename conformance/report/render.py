"""Render the merged matrix as one self-contained HTML page and a Markdown summary.

The page is one file that opens from disk or any static host: inline CSS and JS, no network.
The matrix is server-rendered (an ARIA grid: one link per cell, one tab stop, a permalink per
cell), newest release first, one column per release where its backends agree. Every byte of
the page costs its reader time before the first row shows (the browser decodes the whole file
first), so the page's data (verdicts, titles) and each area's evidence travel as gzip
(``evidence_chunks``), inflated by the browser's own ``DecompressionStream``: the page stays a
few hundred kilobytes while ``results.json`` keeps every byte.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Iterable
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from conformance import matrix
from conformance.features import AREAS
from conformance.report.compare import CHANGE_KINDS, by_kind, change_kind
from conformance.report.production import in_words as production_in_words
from conformance.report.production import section as production_section
from conformance.report.sharing import Shared, share
from conformance.verdicts import UNMEASURED

# Symbol, word and colour for each verdict: never colour alone. ``short`` is the word shown
# inside a matrix cell, where the full label does not fit 14 columns on one screen.
VERDICT_STYLE: dict[str, dict[str, str]] = {
    "native": {"symbol": "✓", "label": "native", "short": "native", "color": "#116329"},
    "needs-sync-to-async": {
        "symbol": "⇄",
        "label": "needs sync_to_async",
        "short": "wrap",
        "color": "#7d4e00",
    },
    "absent": {"symbol": "—", "label": "absent", "short": "absent", "color": "#57606a"},
    "unsupported": {"symbol": "✗", "label": "unsupported", "short": "no", "color": "#cf222e"},
    "diverges": {"symbol": "≠", "label": "diverges", "short": "differs", "color": "#a40e26"},
    "error": {"symbol": "!", "label": "error", "short": "error", "color": "#6639ba"},
    "skipped": {"symbol": "∅", "label": "skipped", "short": "skipped", "color": "#59636e"},
    "not-run": {"symbol": "?", "label": "not run", "short": "not run", "color": "#59636e"},
}

# Claim statuses, refuted first: a refuted claim is what a reader of the reference must see.
CLAIM_STYLE: dict[str, dict[str, str]] = {
    "refuted": {"symbol": "✗", "label": "refuted", "color": "#cf222e"},
    "untestable": {"symbol": "?", "label": "untestable", "color": "#59636e"},
    "confirmed": {"symbol": "✓", "label": "confirmed", "color": "#116329"},
}

# every column's name as people say it, the columns of a user's backends file included
BACKEND_LABELS: dict[str, str] = {column.name: column.label for column in matrix.backends()}

# Said wherever a divergence is shown, so no reader takes a finding for a broken kit.
DIVERGES_MEANING = (
    "A diverges verdict is Django's own behaviour, found by the kit: the async API disagrees "
    "with its sync twin. It is not a failure of the kit."
)

# Area ids as a reader says them.
AREA_LABELS: dict[str, str] = {
    "retrieval": "Retrieval",
    "aggregation": "Aggregation",
    "iteration": "Iteration",
    "creation": "Creation",
    "bulk": "Bulk operations",
    "update-delete": "Update and delete",
    "related-managers": "Related managers",
    "model-instance": "Model instances",
    "transactions": "Transactions",
    "patterns": "Patterns",
    "adjacent-apis": "Adjacent APIs (auth, sessions, pagination, signals)",
    "extensions": "Extensions (your overrides, managers, signals and backends)",
    "custom-user": "Custom user model (AUTH_USER_MODEL logging in by email)",
}

# Where Django documents each owner's members: per documentation page, the owners it documents
# and the Python path their Sphinx anchors start with (``#django.db.models.query.QuerySet.aget``;
# empty for a topic page without member anchors). Longest owner prefix wins.
DOCS_PAGES: dict[str, dict[str, str]] = {
    "ref/models/querysets/": {
        "queryset": "django.db.models.query.QuerySet",
        "function": "django.db.models",
    },
    "ref/models/instances/": {"model": "django.db.models.Model"},
    "topics/http/shortcuts/": {"shortcuts": "django.shortcuts"},
    "topics/db/transactions/": {
        "transaction": "django.db.transaction",
        "transaction.atomic": "django.db.transaction",
        "pattern.atomic": "",
    },
    "topics/auth/default/": {"auth": "django.contrib.auth"},
    "ref/contrib/auth/": {
        "auth.user-manager": "django.contrib.auth.models.UserManager",
        "auth.user": "django.contrib.auth.models.User",
        "auth.anonymous-user": "django.contrib.auth.models.AnonymousUser",
        "auth.model-backend": "django.contrib.auth.backends.ModelBackend",
        "auth.remote-user-backend": "django.contrib.auth.backends.RemoteUserBackend",
    },
    "topics/http/sessions/": {
        "sessions.db-store": "django.contrib.sessions.backends.base.SessionBase"
    },
    "ref/paginator/": {
        "paginator.async-paginator": "django.core.paginator.AsyncPaginator",
        "paginator.async-page": "django.core.paginator.AsyncPage",
    },
    "topics/signals/": {"dispatch.signal": "django.dispatch.Signal"},
    "ref/models/relations/": {"related": "django.db.models.fields.related.RelatedManager"},
    "topics/async/": {"pattern": "", "hooks": ""},
}
# The same, by owner prefix: (page, anchor path).
DOCS: dict[str, tuple[str, str]] = {
    owner: (page, path) for page, owners in DOCS_PAGES.items() for owner, path in owners.items()
}
DOCS_ROOT = "https://docs.djangoproject.com/en/"

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


def release_key(cell: dict[str, Any]) -> str:
    """The release a cell belongs to: its series, and its channel when it is a pre-release or a
    source, which is its own release, never merged or compared with the series."""
    channel = cell.get("channel", "release")
    return cell["django_series"] + ("" if channel == "release" else f" ({channel})")


def area_label(area: str) -> str:
    """An area id in words: "update-delete" reads "Update and delete"."""
    return AREA_LABELS.get(area) or area.replace("-", " ").capitalize()


def matrix_columns(merged: dict[str, Any]) -> list[dict[str, Any]]:
    """The matrix's columns, newest release first: one per release, for all its backends (one
    per session state, when a session did not complete), so 14 cells fit one screen.

    Where a release's backends measure a feature differently, that one cell of the column shows
    each verdict with its backends (``column_cell``): split and marked only where they differ.
    Each column names its cells; a cell's links open the first cell of each verdict.
    """
    by_series: dict[str, list[dict[str, Any]]] = {}
    for cell in merged["cells"]:
        by_series.setdefault(release_key(cell), []).append(cell)
    columns = []
    for series in reversed(list(by_series)):
        # A session that never ran has no column of "not run" cells, unless none of the
        # release's ran: the note above the matrix names it (``not_run_cells``).
        cells = [c for c in by_series[series] if c["state"] != "not-run"] or by_series[series]
        label = cells[0].get("label") or cells[0]["django_series"]
        by_state: dict[str, list[dict[str, Any]]] = {}
        for cell in cells:
            by_state.setdefault(cell["state"], []).append(cell)
        columns.extend(
            {"series": series, "label": label, "cells": group, "split": len(by_state) > 1}
            for group in by_state.values()
        )
    return columns


def column_cell(feature: dict[str, Any], column: dict[str, Any]) -> list[dict[str, Any]]:
    """What a column shows for a feature: one entry per verdict its backends measured (one, as
    a rule), each with the cell its link opens, its backends, and the backends that skipped or
    could not measure it, which the cell names. With no measurement, the first cell's verdict."""
    verdicts = [(cell, _verdict(feature, cell["id"])) for cell in column["cells"]]
    measured = [(c, v) for c, v in verdicts if v not in UNMEASURED] or verdicts[:1]
    groups: dict[str, list[dict[str, Any]]] = {}
    for cell, verdict in measured:
        groups.setdefault(verdict, []).append(cell)
    shown = {cell["id"] for cells in groups.values() for cell in cells}
    others = [
        {"backend": BACKEND_LABELS.get(c["backend"], c["backend"]), "verdict": v}
        for c, v in verdicts
        if c["id"] not in shown
    ]
    return [
        {
            "verdict": verdict,
            "cell": cells[0],
            "cells": cells,
            "backends": [BACKEND_LABELS.get(c["backend"], c["backend"]) for c in cells],
            "short": "+".join(short_backend(c["backend"]) for c in cells),
            "others": others,
        }
        for verdict, cells in groups.items()
    ]


def not_run_cells(merged: dict[str, Any], columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sessions that never ran and so have no column: said above the matrix instead."""
    shown = {cell["id"] for column in columns for cell in column["cells"]}
    return [cell for cell in merged["cells"] if cell["id"] not in shown]


def _verdict(feature: dict[str, Any], cell_id: str) -> str:
    return (feature["cells"].get(cell_id) or {}).get("verdict", "not-run")


def column_label(column: dict[str, Any]) -> str:
    """Whose cells a column shows, in words: "SQLite and PostgreSQL", or one backend."""
    return " and ".join(BACKEND_LABELS.get(c["backend"], c["backend"]) for c in column["cells"])


def split_here(feature: dict[str, Any], column: dict[str, Any], merged: dict[str, Any]) -> bool:
    """Whether this feature's measured verdicts differ between the backends of a split column's
    release (a session that did not run is no difference)."""
    if not column["split"]:
        return False
    measured = {
        _verdict(feature, cell["id"])
        for cell in merged["cells"]
        if release_key(cell) == column["series"]
    } - set(UNMEASURED)
    return len(measured) > 1


def column_change(
    feature_id: str, column: dict[str, Any], changed: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The baseline change of a feature in a column, if any of the column's cells changed."""
    return next(
        (
            changed[key]
            for c in column["cells"]
            if (key := cell_key(feature_id, c["id"])) in changed
        ),
        None,
    )


def short_since(since: dict[str, Any], backend_ids: list[str]) -> str:
    """ "Native since" in a few characters for the matrix column: "5.0", "≤4.1", "—", or one
    per backend ("5.0/5.1") when they disagree; ``since_text`` says it in words."""

    def short(found: dict[str, Any] | None) -> str:
        if not found:
            return "—"
        return f"≤{found['series']}" if found.get("floor") else found["series"]

    labels = [short(since.get(backend)) for backend in backend_ids]
    # backends that disagree: the first's, starred; the cell's title says each in words
    return labels[0] if len(set(labels)) == 1 else f"{labels[0]}*"


def docs_link(feature_id: str, series: str) -> str | None:
    """The Django documentation of a feature's API for a release: its page, at the anchor
    Sphinx gives the member (the page's top when the anchor is missing)."""
    prefix = max(
        (p for p in DOCS if feature_id == p or feature_id.startswith(p)), key=len, default=None
    )
    if prefix is None:
        return None
    page, path = DOCS[prefix]
    url = f"{DOCS_ROOT}{series}/{page}"
    member = feature_id.rpartition(".")[2]
    if path and member.startswith("a") and not member.startswith("async-"):
        url += f"#{path}.{member}"
    return url


def release_notes_link(series: str) -> str:
    """Django's release notes of a feature release, where a new API is announced."""
    return f"{DOCS_ROOT}dev/releases/{series}/"


# Dotted names and calls in evidence code, and the async statements a reader searches for.
_CODE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|\b[a-z_]\w{3,}(?=\()")
_STATEMENTS = ("async with", "async for", "sync_to_async", "await")


def search_text(feature: dict[str, Any], alternatives: list[dict[str, Any]]) -> str:
    """What the search box matches for a feature: its id, title, area, the dotted names and
    calls in the code its checks ran (``article.tags.aadd``, ``transaction.atomic``), the async
    statements that code uses and the APIs offered instead; lower case, one space apart."""
    code = "\n".join(
        f"{(check.get('evidence') or {}).get('snippet') or ''}\n"
        f"{(check.get('evidence') or {}).get('wrapped') or ''}"
        for result in feature["cells"].values()
        for check in result.get("checks") or []
    )
    words = [feature["id"], feature["title"], area_label(feature["area"])]
    words += [found.group() for found in _CODE_NAME.finditer(code)]
    words += [statement for statement in _STATEMENTS if statement in code]
    words += [alternative.get("api") or "" for alternative in alternatives]
    return " ".join(dict.fromkeys(" ".join(word.lower().split()) for word in words if word))


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


def backend_differences(merged: dict[str, Any]) -> list[dict[str, Any]]:
    """Feature x release pairs whose measured verdicts differ between backends.

    Cells that did not run (or errored) are left out: "not measured" is no difference.
    """
    by_series: dict[str, list[dict[str, Any]]] = {}
    for cell in merged["cells"]:
        by_series.setdefault(release_key(cell), []).append(cell)
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


def claim_links(
    feature_id: str,
    cell_ids: list[str],
    features_by_id: dict[str, dict[str, Any]],
    cells_by_id: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The cells that decide a claim about a feature, as links: one per release where all its
    backends agree ("5.2"), else one per cell ("5.2 SQLite"), like the matrix's columns."""
    found = (features_by_id.get(feature_id) or {}).get("cells") or {}
    by_series: dict[str, list[str]] = {}
    for cell_id in cell_ids:
        cell = cells_by_id.get(cell_id)
        by_series.setdefault(release_key(cell) if cell else cell_id, []).append(cell_id)
    links = []
    for series, ids in by_series.items():
        verdicts = {(found.get(cell_id) or {}).get("verdict") for cell_id in ids}
        if len(ids) > 1 and len(verdicts) == 1:
            links.append({"cell": ids[0], "label": series, "verdict": verdicts.pop()})
            continue
        for cell_id in ids:
            cell = cells_by_id.get(cell_id)
            label = (
                f"{series} {BACKEND_LABELS.get(cell['backend'], cell['backend'])}"
                if cell
                else cell_id
            )
            verdict = (found.get(cell_id) or {}).get("verdict")
            links.append({"cell": cell_id, "label": label, "verdict": verdict})
    return links


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
    """What the page's script needs at once: verdicts, titles, "native since", search text and
    workarounds, from which it draws "My setup", the release compare and the filters for the
    choices in the URL. The evidence itself is in ``evidence_chunks``, loaded on demand."""
    alternatives = alternatives_by_pattern(merged)
    cell_order = [cell["id"] for cell in merged["cells"]]
    chunk_of = {
        feature["id"]: index
        for index, (_, features) in enumerate(area_groups(merged["features"]))
        for feature in features
    }
    return {
        "cell_order": cell_order,
        "verdict_order": list(VERDICT_CODES),
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
            feature["id"]: {key: feature.get(key) for key in ("title", "since")}
            | {
                # One character per cell, in "cell_order", indexing "verdict_order": the page
                # expands it; a dict per cell would be most of the page's data.
                "verdicts": "".join(
                    VERDICT_CODES[(feature["cells"].get(cell_id) or {}).get("verdict", "not-run")]
                    for cell_id in cell_order
                ),
                "workarounds": workarounds(feature),
                "docs": docs_link(feature["id"], "{series}"),
                "chunk": chunk_of[feature["id"]],
            }
            for feature in merged["features"]
        },
        "columns": [[cell["id"] for cell in column["cells"]] for column in matrix_columns(merged)],
        "release_notes": release_notes_link("{series}"),
        # The JSON's objects come out with sorted keys: the orders the page shows go as lists.
        "feature_order": [feature["id"] for feature in merged["features"]],
        "backend_order": backends(merged["cells"]),
        "releases": releases(merged["cells"]),
        "alternatives": alternatives,
        "divergences": [found["feature"] for found in merged.get("divergences") or []],
        "change_kinds": {
            "order": [{"kind": kind} | meaning for kind, meaning in CHANGE_KINDS.items()],
            "by_pair": change_kinds_by_pair(),
        },
        "changes": changed_cells(merged),
        "diverges_meaning": DIVERGES_MEANING,
    }


# A verdict as one character in the page's data, in ``VERDICT_STYLE``'s order.
VERDICT_CODES: dict[str, str] = {verdict: str(index) for index, verdict in enumerate(VERDICT_STYLE)}

WRAPPED_MARKER = "# wrapped form\n"


def workaround(result: dict[str, Any]) -> str | None:
    """The tested workaround of a cell that needs ``sync_to_async``: the wrapped form its check
    ran, which the snippet carries after a marker."""
    if result.get("verdict") != "needs-sync-to-async":
        return None
    for check in result.get("checks") or []:
        snippet = (check.get("evidence") or {}).get("snippet") or ""
        if WRAPPED_MARKER in snippet:
            return snippet.split(WRAPPED_MARKER, 1)[1]
    return None


def workarounds(feature: dict[str, Any]) -> dict[str, list[str]]:
    """Each distinct tested workaround of a feature with the cells that ran it: one text for
    the many cells that share it."""
    found: dict[str, list[str]] = {}
    for cell_id, result in feature["cells"].items():
        if text := workaround(result):
            found.setdefault(text, []).append(cell_id)
    return found


def evidence_chunks(merged: dict[str, Any]) -> list[Shared]:
    """Each area's notes and checks per feature and cell, in the matrix's order, with their
    repeated parts written once (``sharing.share``): what the evidence panel draws, inflated
    when a cell of the area is first opened. One chunk per area, not per feature: gzip finds
    the repeats across an area's features too, which halves the page's evidence."""
    return [
        share(
            {
                feature["id"]: {
                    cell_id: {
                        "notes": result.get("notes") or [],
                        "checks": result.get("checks") or [],
                    }
                    for cell_id, result in feature["cells"].items()
                }
                for feature in features
            }
        )
        for _, features in area_groups(merged["features"])
    ]


def search_data(merged: dict[str, Any]) -> dict[str, str]:
    """Each feature's search text: its own element after the matrix's rows, inflated once the
    page has loaded, so the rows come sooner."""
    alternatives = alternatives_by_pattern(merged)
    return {
        feature["id"]: search_text(feature, alternatives.get(feature["id"], []))
        for feature in merged["features"]
    }


# Backends as a split column's header says them, where the full label would not fit.
SHORT_BACKENDS = {"postgresql": "PG", "sqlite": "SQLite", "mariadb": "MariaDB"}


def short_backend(backend: str) -> str:
    """A backend in a few letters: "PG" for PostgreSQL, else its label."""
    return SHORT_BACKENDS.get(backend) or BACKEND_LABELS.get(backend, backend)


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
        BACKEND_LABELS=BACKEND_LABELS,
        AREAS=AREAS,
        area_label=area_label,
        column_label=column_label,
        split_here=split_here,
        column_change=column_change,
        column_cell=column_cell,
        claim_links=claim_links,
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
