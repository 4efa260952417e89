"""Crafted session results documents for the kit's own tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from conformance.results import SCHEMA_VERSION, write_results


def observation(text: str = "1", kind: str = "value") -> dict[str, Any]:
    return {"kind": kind, "repr": text, "type": None, "message": None}


def check(feature: str, verdict: str, **overrides: Any) -> dict[str, Any]:
    """One check entry, as the plugin writes it."""
    entry = {
        "id": f"conformance/runner/suite/test_x.py::test_{feature.replace('.', '_')}",
        "feature": feature,
        "ref": "available-async-methods",
        "claims": [],
        "verdict": verdict,
        "outcome": "passed",
        "duration_s": 0.01,
        "evidence": {"snippet": "await X.objects.aget(pk=1)", "observed": observation()},
        "notes": [],
    }
    entry.update(overrides)
    return entry


def session(cell_id: str, verdicts: dict[str, str], status: str = "complete") -> dict[str, Any]:
    """A session document whose features have the given verdicts, one check each."""
    _, series, backend = cell_id.split("-", 2)
    checks = [check(feature, verdict) for feature, verdict in verdicts.items()]
    return copy.deepcopy(
        {
            "schema_version": SCHEMA_VERSION,
            "cell": {"id": cell_id, "django_series": series, "backend": backend},
            "status": status,
            "error": None if status == "complete" else "the session stopped",
            "environment": {
                "django": f"{series}.3",
                "python": "3.12.1",
                "driver": "psycopg 3.2.1" if backend == "postgresql" else "sqlite3 3.40.1",
                "server": "PostgreSQL 17.9" if backend == "postgresql" else "SQLite 3.40.1",
                "database_url": None,
                "hypothesis_profile": "ci",
                "platform": "Linux",
            },
            "started_at": "2026-11-24T12:00:00+00:00",
            "finished_at": "2026-11-24T12:00:05+00:00",
            "duration_s": 5.0,
            "timings": {"database_setup_s": 0.5},
            "features": {
                c["feature"]: {"verdict": c["verdict"], "checks": [c["id"]], "notes": []}
                for c in checks
            },
            "checks": checks,
        }
    )


ADD_ON_COLUMN = {
    "label": "PostgreSQL + django-async-backend",
    "family": "postgresql",
    "stock": False,
    "packages": ["django-async-backend 6.1.0"],
}
# An API only the add-on has: stock sessions look for it and do not find it.
ADD_ON_FEATURE = "model.async_save"


def write_add_on_matrix(directory: Path) -> None:
    """Stock 6.1 SQLite and PostgreSQL that agree, and an add-on column with its own API."""
    for cell_id in ("django-6.1-sqlite", "django-6.1-postgresql"):
        document = session(cell_id, {"queryset.aget": "native", ADD_ON_FEATURE: "absent"})
        write_results(directory / f"{cell_id}.json", document)
    add_on = session(
        "django-6.1-async-backend", {"queryset.aget": "native", ADD_ON_FEATURE: "native"}
    )
    add_on["cell"]["column"] = ADD_ON_COLUMN
    write_results(directory / "django-6.1-async-backend.json", add_on)
