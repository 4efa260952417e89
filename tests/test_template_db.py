"""Migrations once per database: the first run builds a migrated template, later runs copy it.

Feature: ``conformance.runner.template_db`` (issue: a cell in seconds, "migrations once per
database, kept as a template"). Each run is its own process, as in a cell, on SQLite files in
the test's folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

RUN = """
import json, os, django
django.setup()
from django.db import connection
from conformance.runner import template_db
original = template_db.create_from_template(connection)
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*) FROM django_migrations")
    applied = cursor.fetchone()[0]
    cursor.execute("SELECT COUNT(*) FROM conformance_cache")
    cache_rows = cursor.fetchone()[0]
name = connection.settings_dict["NAME"]
if os.environ.get("WRITE_A_ROW"):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO conformance_cache VALUES ('k', 'v', '9999-01-01')")
connection.creation.destroy_test_db(original, verbosity=0)
print(json.dumps({"applied": applied, "cache_rows": cache_rows, "name": name}))
"""


def _run(folder: Path, *, write_a_row: bool = False) -> dict[str, Any]:
    """One run's test database, as a cell's pytest run gets it, then dropped."""
    settings = {"TEST": {"NAME": str(folder / "run.sqlite3")}}
    done = subprocess.run(
        [sys.executable, "-c", RUN],
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "testapp.settings",
            "CONFORMANCE_BACKEND": "sqlite",
            "CONFORMANCE_BACKEND_SETTINGS": json.dumps(settings),
            **({"WRITE_A_ROW": "1"} if write_a_row else {}),
        },
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_first_run_builds_one_migrated_template_and_uses_a_copy(tmp_path):
    found = _run(tmp_path)
    templates = list(tmp_path.glob("conformance_template_*.sqlite3"))
    assert len(templates) == 1
    assert found["applied"] > 0
    assert found["name"] == str(tmp_path / "run.sqlite3")
    assert not (tmp_path / "run.sqlite3").exists()  # the run's copy is dropped, the template kept


def test_a_later_run_copies_the_template_without_migrating_again(tmp_path):
    first = _run(tmp_path)
    (template,) = tmp_path.glob("conformance_template_*.sqlite3")
    built = template.stat().st_mtime_ns
    second = _run(tmp_path)
    assert template.stat().st_mtime_ns == built
    assert second["applied"] == first["applied"]


def test_a_run_never_sees_rows_an_earlier_run_wrote(tmp_path):
    """Each run starts from the template, not from what the last run left."""
    _run(tmp_path, write_a_row=True)
    assert _run(tmp_path)["cache_rows"] == 0


def test_a_template_left_half_built_is_not_taken_for_one(tmp_path):
    """A run killed while migrating leaves its work under another name, never the template's:
    the next run builds the template again."""
    first = _run(tmp_path)
    (template,) = tmp_path.glob("conformance_template_*.sqlite3")
    template.rename(template.with_name(f"{template.name}.building-999"))  # killed mid-build
    assert _run(tmp_path)["applied"] == first["applied"]
    assert template.exists()
