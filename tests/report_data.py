"""Crafted merged reports, so the report's tests never depend on a matrix run.

``crafted()`` covers every verdict, every cell state, an unknown area, a SQLite/PostgreSQL
difference, a divergence found in two releases, surface coverage, claims of each status, a
pattern that needs sync_to_async with its tested workaround and a native alternative, and
hostile text; ``large()`` is big enough to show whether the page stays fast with thousands of
cells.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from conformance.report.merge import divergence
from conformance.report.render import decode_data, expand_deferred, markup_titles, render_html

# Text that would run script, break out of an attribute or a <script> element, or garble the
# page if it were ever put into HTML as markup instead of text.
HOSTILE = (
    '<script>alert(1)</script><img src=x onerror="window.__pwned=1"> "double" \'single\' '
    "</script><!-- & &amp; | pipe \u2028 \x00\x07\x1b[31m"
)
LONG_LINE = "L" * 1_000_000

SERIES = ("4.1", "5.0", "5.2")
BACKENDS = ("sqlite", "postgresql")
COMPLETE_ENV = {
    "python": "3.12.7",
    "database_url": None,
    "hypothesis_profile": "dev",
    "platform": "Linux-x86_64",
}


def cell_id(series: str, backend: str) -> str:
    """The matrix's own cell id format."""
    return f"django-{series}-{backend}"


def _cell(series: str, backend: str, state: str, error: str | None) -> dict[str, Any]:
    measured = state in {"complete", "incomplete", "error"}
    return {
        "id": cell_id(series, backend),
        "django_series": series,
        "backend": backend,
        "state": state,
        "error": error,
        "environment": COMPLETE_ENV
        | {
            "django": f"{series}.3" if measured else None,
            "python": COMPLETE_ENV["python"] if measured else None,
            "driver": ("sqlite3 3.40.1" if backend == "sqlite" else "psycopg 3.2.3")
            if measured
            else None,
            "server": ("SQLite 3.40.1" if backend == "sqlite" else "PostgreSQL 16.4")
            if measured
            else None,
        },
        "started_at": "2026-11-24T14:00:00+00:00" if measured else None,
        "duration_s": 12.5 if measured else None,
        "source": f"{cell_id(series, backend)}.json" if measured else None,
        "counts": {},
    }


def check(
    feature: str, verdict: str, *, message: str | None = None, cell: str | None = None
) -> dict[str, Any]:
    """One check with full evidence; ``message`` makes its observation an exception, and the
    diverging feature's check in ``cell`` carries that cell's divergence evidence."""
    raised = message is not None
    observed = {
        "kind": "exception" if raised else "value",
        "repr": f"SynchronousOnlyOperation({message!r})" if raised else "3",
        "type": "django.core.exceptions.SynchronousOnlyOperation" if raised else None,
        "message": message,
    }
    return {
        "id": f"conformance/runner/suite/test_crafted.py::test_{feature.replace('.', '_')}",
        "feature": feature,
        "ref": "available-async-methods",
        "claims": [f"claim.{feature}"],
        "verdict": verdict,
        "outcome": "passed",
        "duration_s": 0.0123,
        "evidence": {
            "snippet": f"async def probe():\n    return await run({feature!r})"
            + (WRAPPED_FORM.format(feature=feature) if verdict == "needs-sync-to-async" else ""),
            "workaround": WORKAROUND.format(feature=feature)
            if verdict == "needs-sync-to-async"
            else None,
            "observed": observed,
            "sync_twin": {"kind": "value", "repr": "3", "type": None, "message": None},
            "wrapped": {"kind": "value", "repr": "3", "type": None, "message": None}
            if verdict == "needs-sync-to-async"
            else None,
            "example": "{'slug': 'article-1'}",
            "examples": 7,
            "queries": 1,
            "measurements": {},
        }
        | copy.deepcopy(DIVERGING_EVIDENCE.get((feature, cell), {})),
        "notes": [DIVERGENCE_REASON] if (feature, cell) in DIVERGING_EVIDENCE else [],
    }


# What a check of a pattern that needs sync_to_async appends to its snippet: the tested workaround.
WRAPPED_FORM = (
    "\n\n# wrapped form\nasync def wrapped():\n    return await sync_to_async(run)({feature!r})"
)
# The pasteable workaround such a check records: the text its wrapped form ran.
WORKAROUND = "result = await sync_to_async(run)({feature!r})"
# The native API the sync_to_async table offers instead of the pattern (native since 4.1).
ALTERNATIVE_API = "QuerySet.aget() with select_related()"

# feature id -> (title, area, verdict per cell id by default, overrides)
_FEATURES: list[tuple[str, str, str, str, dict[str, str]]] = [
    ("queryset.aget", "QuerySet.aget()", "retrieval", "native", {}),
    (
        "queryset.acount",
        "QuerySet.acount()",
        "aggregation",
        "absent",
        {"django-5.2-sqlite": "native", "django-5.2-postgresql": "native"},
    ),
    (
        "queryset.abulk_create",
        "QuerySet.abulk_create()",
        "bulk",
        "native",
        {
            "django-5.0-postgresql": "diverges",
            "django-5.2-postgresql": "diverges",
            "django-4.1-sqlite": "unsupported",
        },
    ),
    (
        "pattern.lazy-forward-fk",
        "Lazy forward FK <b>access</b>",
        "patterns",
        "needs-sync-to-async",
        {"django-4.1-sqlite": "skipped"},
    ),
    ("mystery.thing", "A feature of an unknown area", "zz-unknown", "native", {}),
]

# The evidence of this feature's cell carries the hostile message and the 1 MB line.
HOSTILE_FEATURE = "pattern.lazy-forward-fk"
HOSTILE_CELL = cell_id("5.2", "postgresql")
LONG_FEATURE = "queryset.aget"
LONG_CELL = cell_id("5.2", "sqlite")
INCOMPLETE_CELL = cell_id("5.0", "sqlite")
NOT_RUN_CELL = cell_id("4.1", "postgresql")

# The feature that diverges from its sync twin, on PostgreSQL in 5.0 and 5.2; 5.2 has the
# shorter example, 5.0 lists a hostile call among its other diverging calls.
DIVERGING_FEATURE = "queryset.abulk_create"
MINIMAL_CALL = "Article.objects.abulk_create([], batch_size=0)  # batch_size=0"
LONGER_CALL = "Article.objects.abulk_create([Article(slug='a')], batch_size=0)  # batch_size=0"
OTHER_CALL = "Article.objects.filter(pk=1).abulk_create([])  # receiver: filtered"
DIVERGENCE_REASON = "the async call and its sync twin raised differently"
_RAISED = {
    "kind": "exception",
    "repr": "ValueError('Batch size must be a positive integer.')",
    "type": "builtins.ValueError",
    "message": "Batch size must be a positive integer.",
}
_RETURNED = {"kind": "value", "repr": "[]", "type": None, "message": None}
DIVERGING_EVIDENCE: dict[tuple[str, str], dict[str, Any]] = {
    (DIVERGING_FEATURE, cell_id(series, "postgresql")): {
        "example": example,
        "observed": _RETURNED,
        "sync_twin": _RAISED,
        "diverging_calls": calls,
        "hooks": {"sync": ["('override', 'CountingSave.save')"], "async": []},
        "warnings": {"sync": ["RemovedInDjango60Warning"], "async": []},
        "query_counts": {"sync": {"INSERT": 1}, "async": {}},
        "tried": {"calls": 12, "varied": ["as seeded", "batch_size", "receiver: filtered"]},
        "signature": {
            "async": "(self, objs, batch_size=None)",
            "sync": "(self, objs, batch_size=None, ignore_conflicts=False)",
            "differences": ["'ignore_conflicts' exists on the sync twin only"],
        },
    }
    for series, example, calls in (
        ("5.0", LONGER_CALL, [LONGER_CALL, OTHER_CALL, HOSTILE]),
        ("5.2", MINIMAL_CALL, [MINIMAL_CALL, OTHER_CALL]),
    )
}


def _cells() -> list[dict[str, Any]]:
    cells = [_cell(series, backend, "complete", None) for series in SERIES for backend in BACKENDS]
    for cell in cells:
        if cell["id"] == INCOMPLETE_CELL:
            cell |= _cell("5.0", "sqlite", "incomplete", "the session stopped: " + HOSTILE)
        if cell["id"] == NOT_RUN_CELL:
            cell |= _cell("4.1", "postgresql", "not-run", "no results file")
    return cells


def _feature_cell(cell: dict[str, Any], feature: str, verdict: str) -> dict[str, Any]:
    if cell["state"] == "not-run":
        return {"verdict": "not-run", "notes": [], "checks": []}
    if cell["state"] != "complete":
        return {"verdict": "error", "notes": [cell["error"]], "checks": []}
    message = None
    if (feature, cell["id"]) == (HOSTILE_FEATURE, HOSTILE_CELL):
        message = HOSTILE
    if (feature, cell["id"]) == (LONG_FEATURE, LONG_CELL):
        message = LONG_LINE
    notes = [HOSTILE] if message == HOSTILE else []
    return {
        "verdict": verdict,
        "notes": notes,
        "checks": [check(feature, verdict, message=message, cell=cell["id"])],
    }


def _since(cells: dict[str, dict[str, Any]], backend: str) -> dict[str, Any] | None:
    first = None
    for series in SERIES:
        verdict = cells[cell_id(series, backend)]["verdict"]
        if verdict in {"not-run", "error"}:
            continue
        first = (first or series) if verdict == "native" else None
    return {"series": first, "floor": first == SERIES[0]} if first else None


def _surface(cell: dict[str, Any]) -> dict[str, Any] | None:
    """The surface coverage of a complete cell: three members found, one never checked; what
    the grid of ``queryset.aget`` tried, and of the diverging feature where it diverges."""
    if cell["state"] != "complete":
        return None
    tried = {
        "queryset.aget": {"calls": 9, "varied": ["as seeded", "receiver: all"], "differences": []}
    }
    evidence = DIVERGING_EVIDENCE.get((DIVERGING_FEATURE, cell["id"]))
    if evidence is not None:
        tried[DIVERGING_FEATURE] = evidence["tried"] | {
            "differences": evidence["signature"]["differences"]
        }
    return {
        "members": 3,
        "untested": ["queryset.acontains"],
        "coverage_percent": 66.7,
        "protocols": {"queryset.async-for": True},
        "tried": tried,
    }


# What the walks of Django found: one API checked in both releases, one new in the newer and
# not covered, one that no check and no reason accounts for.
SURFACE_APIS = {
    "releases": ["5.2", "5.1"],
    "apis": [
        {
            "api": "django.db.models.query.QuerySet.aget",
            "kind": "coroutine method",
            "twin": "django.db.models.query.QuerySet.get",
            "in": {
                release: {"status": "checked", "features": ["queryset.aget"], "reason": ""}
                for release in ("5.2", "5.1")
            },
        },
        {
            "api": "django.utils.text.acompress_sequence",
            "kind": "async generator",
            "twin": "django.utils.text.compress_sequence",
            "in": {"5.2": {"status": "not covered", "features": [], "reason": "gzip " + HOSTILE}},
        },
        {
            "api": "django.core.paginator.Paginator.aslice",
            "kind": "coroutine method",
            "twin": None,
            "in": {
                "5.2": {"status": "unaccounted", "features": [], "reason": "no check and no reason"}
            },
        },
    ],
}


def crafted(*, claims: bool = True, changes: bool = False) -> dict[str, Any]:
    """A merged report with every verdict and state, hostile text and (optionally) claims."""
    cells = _cells()
    for cell in cells:
        cell["surface"] = _surface(cell)
    features = []
    for feature_id, title, area, default, overrides in _FEATURES:
        feature_cells = {
            cell["id"]: _feature_cell(cell, feature_id, overrides.get(cell["id"], default))
            for cell in cells
        }
        features.append(
            {
                "id": feature_id,
                "title": title,
                "area": area,
                "kind": "pattern" if feature_id.startswith("pattern.") else "method",
                "ref": "available-async-methods",
                "since": {backend: _since(feature_cells, backend) for backend in BACKENDS},
                "cells": feature_cells,
            }
        )
    for cell in cells:
        cell["counts"] = dict(Counter(f["cells"][cell["id"]]["verdict"] for f in features))
    merged: dict[str, Any] = {
        "schema_version": 1,
        "generated_at": "2026-11-24T15:00:00+00:00",
        "cells": cells,
        "features": features,
        "problems": ["django-9.9-sqlite: unreadable " + HOSTILE],
        "divergences": [
            found for feature in features if (found := divergence(feature, cells)) is not None
        ],
    }
    merged["sync_to_async"] = _sync_to_async(features)
    merged["surface_apis"] = SURFACE_APIS
    if claims:
        merged["claims"] = CLAIMS
    if changes:
        merged["changes"] = {
            "baseline": {"source": "old-results.json", "generated_at": "2026-11-01T00:00:00+00:00"},
            "changed": [
                {
                    "feature": "queryset.acount",
                    "cell": cell_id("5.2", "sqlite"),
                    "old": "absent",
                    "new": "native",
                }
            ],
            "added_features": ["mystery.thing"],
            "removed_features": [],
            "added_cells": [],
            "removed_cells": [],
        }
    return merged


def _sync_to_async(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The merge's sync_to_async table for the one pattern that needs it: its native
    alternative is ``queryset.aget``, with that feature's own "since"."""
    by_id = {feature["id"]: feature for feature in features}
    pattern = by_id[HOSTILE_FEATURE]
    return [
        {
            "feature": pattern["id"],
            "title": pattern["title"],
            "verdicts": {cell: entry["verdict"] for cell, entry in pattern["cells"].items()},
            "native_since": pattern["since"],
            "summary": f"{pattern['id']}: needs-sync-to-async in every measured release",
            "alternatives": [
                {
                    "api": ALTERNATIVE_API,
                    "feature": "queryset.aget",
                    "native_since": by_id["queryset.aget"]["since"],
                }
            ],
        }
    ]


CLAIMS: list[dict[str, Any]] = [
    {
        "id": "available-4.1.aget",
        "section": "Available async methods",
        "quote": "All of these are available from Django 4.1.",
        "claim": "QuerySet.aget() is native from Django 4.1",
        "features": ["queryset.aget"],
        "status": "confirmed",
        "observed": "native in every measured cell",
        "cells": [cell_id("4.1", "sqlite"), cell_id("5.2", "sqlite")],
    },
    {
        "id": "available-4.1.acount",
        "section": "Available async methods",
        "quote": "acount() arrived in 4.1 " + HOSTILE,
        "claim": "QuerySet.acount() is native from Django 4.1",
        "features": ["queryset.acount"],
        "status": "refuted",
        "observed": "absent before 5.2; native since 5.2",
        "cells": [cell_id("4.1", "sqlite"), cell_id("5.2", "sqlite")],
    },
    {
        "id": "limitation.threads",
        "section": "Threads",
        "quote": "Each request runs in its own thread.",
        "claim": "Async views share one thread",
        "features": [],
        "status": "untestable",
        "observed": "the kit does not run views",
        "cells": [],
    },
]


def large(features: int = 400) -> dict[str, Any]:
    """``features`` x 14 cells (seven releases x SQLite and PostgreSQL): seven columns, as the
    default matrix's stock columns, though it has 22 cells (MariaDB and an add-on column too),
    so the page's speed is measured at two thirds of the real number of cells."""
    series = ("4.1", "4.2", "5.0", "5.1", "5.2", "6.0", "6.1")
    base = crafted(claims=False)
    cells = [_cell(s, backend, "complete", None) for s in series for backend in BACKENDS]
    template = base["features"][0]
    verdicts = ("native", "absent", "needs-sync-to-async", "unsupported")
    result = []
    for index in range(features):
        feature_id = f"generated.f{index:04d}"
        result.append(
            copy.deepcopy(template)
            | {
                "id": feature_id,
                "title": f"Generated feature {index}",
                "area": ("retrieval", "bulk", "patterns")[index % 3],
                "since": {"sqlite": None, "postgresql": None},
                "cells": {
                    cell["id"]: {
                        "verdict": verdicts[(index + position // 2) % len(verdicts)],
                        "notes": [],
                        "checks": [check(feature_id, verdicts[(index + position // 2) % 4])],
                    }
                    for position, cell in enumerate(cells)
                },
            }
        )
    for cell in cells:
        cell["counts"] = dict(Counter(f["cells"][cell["id"]]["verdict"] for f in result))
    # none of its verdicts is ``diverges``
    return base | {"cells": cells, "features": result, "problems": [], "divergences": []}


# The real matrix's merged results, written by `nox`; the tests that read it skip without it.
FULL_RUN = Path(__file__).resolve().parent.parent / "reports" / "results.json"


@functools.cache
def full_run() -> dict[str, Any]:
    """The real run's results, read once per test process (tens of megabytes); read-only."""
    return json.loads(FULL_RUN.read_text("utf-8"))


@functools.cache
def _full_run_html() -> str:
    # Rendering the real run takes seconds; a dozen browser tests open the same page.
    return render_html(full_run())


def write_page(directory: Path, merged: dict[str, Any], name: str = "index.html") -> Path:
    """Render ``merged`` into ``directory`` and return the page's path."""
    path = directory / name
    loaded = full_run.cache_info().currsize > 0
    html = _full_run_html() if loaded and merged is full_run() else render_html(merged)
    path.write_text(html, encoding="utf-8")
    return path


# Code a check of the hostile pattern ran, as the real suite's snippets read: what the search
# box must find by its dotted names and statements.
CODE = (
    "async with transaction.atomic():\n"
    "    article = await Article.objects.select_related('author').aget(slug='article-1')\n"
    "    await article.tags.aadd(tag)\n"
    "    await article.asave()"
)
# Text that hides or reorders what follows it: a right-to-left override and a zero-width space.
BIDI = "admin\u202etxt.exe\u200b"


def with_code(merged: dict[str, Any]) -> dict[str, Any]:
    """``merged`` with ``CODE`` as the snippet of every check of the hostile pattern."""
    merged = copy.deepcopy(merged)
    pattern = next(f for f in merged["features"] if f["id"] == HOSTILE_FEATURE)
    for result in pattern["cells"].values():
        for found in result["checks"]:
            found["evidence"]["snippet"] = CODE
    return merged


def with_evidence(merged: dict[str, Any], cell: str, **evidence: Any) -> dict[str, Any]:
    """``merged`` with ``evidence`` merged into the check of ``queryset.aget`` in ``cell``."""
    merged = copy.deepcopy(merged)
    aget = next(f for f in merged["features"] if f["id"] == "queryset.aget")
    aget["cells"][cell]["checks"][0]["evidence"] |= evidence
    return merged


DEFERRED = re.compile(
    r'<script type="application/octet-stream" data-deferred[^>]*>(.*?)</script>', re.S
)


def page_markup(merged: dict[str, Any]) -> str:
    """The page's markup as a browser has it once loaded: each deferred part (the matrix's
    later areas, the sections below it) put in where its compressed form stood."""
    titles = markup_titles(merged)
    return DEFERRED.sub(
        lambda found: "".join(expand_deferred(decode_data(found.group(1)), titles)),
        render_html(merged),
    )


def write_production_sessions(directory: Path, series: tuple[str, ...] = ("5.2", "6.0")) -> None:
    """Sessions whose production checks ran: per release, SQLite and PostgreSQL, each with a
    view that needs sync_to_async, a native view, queries in flight (a chart) and a connections
    row that diverges."""
    from conformance.results import write_results
    from tests.session_data import check as session_check
    from tests.session_data import session

    connections = {
        "m": 4,
        "settings": {"conn_max_age": 60},
        "open_after_sequential": 4,
        "open_after_concurrent": 8,
        "wsgi": {"server": "WSGI", "open_after_sequential": 1, "open_after_concurrent": 1},
    }
    in_flight = {
        "gather": [{"n": n, "max_in_flight": 1, "seconds": 0.1, "failed": []} for n in (1, 2, 4, 8)]
    }
    for release in series:
        for backend in BACKENDS:
            document = session(f"django-{release}-{backend}", {})
            checks = [
                session_check("production.view.detail-lazy-fk", "needs-sync-to-async"),
                session_check("production.view.gather", "native"),
                session_check(
                    "production.in-flight.gather",
                    "native",
                    evidence={
                        "snippet": "gather",
                        "observed": {"kind": "value", "repr": "1"},
                        "measurements": {"in_flight": in_flight, "peak_in_flight": 1},
                    },
                ),
                session_check(
                    "production.connections.max-age-60",
                    "diverges",
                    evidence={
                        "snippet": "one_query",
                        "observed": {"kind": "value", "repr": "leak"},
                        "measurements": {"connections": connections},
                    },
                ),
            ]
            document["checks"] = checks
            document["features"] = {
                c["feature"]: {"verdict": c["verdict"], "checks": [c["id"]], "notes": c["notes"]}
                for c in checks
            }
            write_results(directory / f"django-{release}-{backend}.json", document)
