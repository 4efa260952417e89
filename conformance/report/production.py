"""The report's "Async in production" section, from the merged results alone.

Per cell: the verdicts of the ASGI views, a chart of the queries in flight (N = 1..8; gathered,
``thread_sensitive=False`` threads, concurrent requests, the pool) and the connections table
(CONN_MAX_AGE x health checks x pool), each beside its sync twin's (the same load on a sync view
over WSGI) where the check measured one. The figures are the checks' evidence measurements
(``conformance/runner/suite/test_queries_in_flight.py`` and ``test_connections.py``).
"""

from __future__ import annotations

from typing import Any

from conformance.report.labels import VERDICT_STYLE

PREFIX = "production."
# Series of the chart: label, line style (never colour alone) and which check records it.
SERIES: dict[str, dict[str, str]] = {
    "gather": {"label": "asyncio.gather in one request", "dash": "", "color": "#cf222e"},
    "threads": {
        "label": "sync_to_async(thread_sensitive=False)",
        "dash": "6 3",
        "color": "#9a6700",
    },
    "requests": {"label": "concurrent requests", "dash": "2 3", "color": "#0969da"},
    "pool": {"label": "concurrent requests, pool", "dash": "10 3 2 3", "color": "#1a7f37"},
}
WIDTH, HEIGHT, MARGIN = 320, 200, 32
N_MAX = 8


def _checks(feature: dict[str, Any], cell_id: str) -> list[dict[str, Any]]:
    return feature["cells"].get(cell_id, {}).get("checks", [])


def _measurements(feature: dict[str, Any], cell_id: str) -> dict[str, Any]:
    for check in _checks(feature, cell_id):
        found = (check.get("evidence") or {}).get("measurements")
        if found:
            return found
    return {}


def _x(n: int) -> float:
    return MARGIN + (WIDTH - 2 * MARGIN) * (n - 1) / (N_MAX - 1)


def _y(value: int) -> float:
    return HEIGHT - MARGIN - (HEIGHT - 2 * MARGIN) * value / N_MAX


def chart(in_flight: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Coordinates of the queries-in-flight chart: one polyline per measured series, the axes'
    ticks, and the values as text for the chart's description."""
    lines = []
    for name, style in SERIES.items():
        rows = [row for row in in_flight.get(name, []) if row.get("n", 0) <= N_MAX]
        if not rows:
            continue
        points = [(_x(row["n"]), _y(min(row["max_in_flight"], N_MAX))) for row in rows]
        lines.append(
            style
            | {
                "name": name,
                "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                "dots": [
                    {"x": round(x, 1), "y": round(y, 1), "n": row["n"], "v": row["max_in_flight"]}
                    for (x, y), row in zip(points, rows, strict=True)
                ],
                "text": ", ".join(f"N={row['n']}: {row['max_in_flight']}" for row in rows),
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "margin": MARGIN,
        "lines": lines,
        "xticks": [{"n": n, "x": round(_x(n), 1)} for n in (1, 2, 4, 8)],
        "yticks": [{"v": v, "y": round(_y(v), 1)} for v in (0, 2, 4, 6, 8)],
    }


def _in_flight(features: list[dict[str, Any]], cell_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every series any in-flight check of the cell recorded (each is measured once)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for feature in features:
        if feature["id"].startswith(f"{PREFIX}in-flight."):
            for name, rows in (_measurements(feature, cell_id).get("in_flight") or {}).items():
                if name in SERIES:
                    found.setdefault(name, rows)
    return {name: found[name] for name in SERIES if name in found}


def _row(feature: dict[str, Any], cell_id: str) -> dict[str, Any]:
    cell = feature["cells"].get(cell_id) or {"verdict": "not-run", "notes": []}
    return {
        "feature": feature["id"],
        "title": feature["title"],
        "verdict": cell["verdict"],
        "note": (cell.get("notes") or [""])[0],
    }


def section(merged: dict[str, Any]) -> list[dict[str, Any]]:
    """Per cell that measured any production feature: its views, chart and connections."""
    features = [f for f in merged["features"] if f["id"].startswith(PREFIX)]
    cells = []
    for cell in merged["cells"]:
        measured = [f for f in features if _checks(f, cell["id"])]
        if not measured:
            continue
        connections = []
        for feature in measured:
            if feature["id"].startswith(f"{PREFIX}connections."):
                figures = _measurements(feature, cell["id"]).get("connections") or {}
                # The sync twin: the same load on the sync view over WSGI, where it was measured
                # (results written before it was have none: the page says "not measured").
                wsgi = figures.get("wsgi") or {}
                connections.append(
                    _row(feature, cell["id"])
                    | {
                        "settings": figures.get("settings") or {},
                        "m": figures.get("m"),
                        "after_sequential": figures.get("open_after_sequential"),
                        "after_concurrent": figures.get("open_after_concurrent"),
                        # counts of a load whose requests failed say nothing of connections
                        "failed": bool(figures.get("failed")),
                        "wsgi": {
                            "after_sequential": wsgi.get("open_after_sequential"),
                            "after_concurrent": wsgi.get("open_after_concurrent"),
                            "failed": bool(wsgi.get("failed")),
                            "server": wsgi.get("server"),
                        }
                        if wsgi
                        else None,
                    }
                )
        in_flight = _in_flight(measured, cell["id"])
        cells.append(
            {
                "id": cell["id"],
                "series": cell["django_series"],
                "backend": cell["backend"],
                # The views, and AsyncClient against them in each testing style.
                "views": [
                    _row(f, cell["id"])
                    for f in measured
                    if f["id"].startswith((f"{PREFIX}view.", f"{PREFIX}testing."))
                ],
                "in_flight": in_flight,
                "chart": chart(in_flight) if in_flight else None,
                "connections": connections,
                # how many of the cell's production features had each verdict, in the legend's
                # order: the line its folded summary shows
                "verdicts": {
                    verdict: count
                    for verdict in VERDICT_STYLE
                    if (count := sum(_row(f, cell["id"])["verdict"] == verdict for f in measured))
                },
            }
        )
    return cells


def in_words(cell: dict[str, Any]) -> str:
    """One cell's figures in a line, for the Markdown summary: the most queries in flight at
    the largest N per series, and the connections open after the sequential requests."""
    parts = []
    if cell["in_flight"]:
        peaks = ", ".join(
            f"{name} {rows[-1]['max_in_flight']}"
            for name, rows in cell["in_flight"].items()
            if rows
        )
        parts.append(f"most in flight at N={N_MAX}: {peaks}")
    open_after = [
        f"{row['feature'].removeprefix(PREFIX + 'connections.')} "
        + ("requests failed" if row["failed"] else str(row["after_sequential"]))
        + (
            f" (WSGI {row['wsgi']['after_sequential']})"
            if row["wsgi"] and not row["wsgi"]["failed"]
            else ""
        )
        for row in cell["connections"]
        if row["after_sequential"] is not None
    ]
    if open_after:
        m = cell["connections"][0]["m"]
        parts.append(f"connections open after {m} sequential requests: {', '.join(open_after)}")
    return "; ".join(parts)
