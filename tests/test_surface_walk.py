"""The walk of Django finds every async API, and the coverage gate fails on one the kit has
neither a check nor a reason for (feature: the async surface; design.md, "Surface")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import django
import pytest

from tests.conftest import ROOT

GATE = "from conformance.runner.coverage import main\nraise SystemExit(main())\n"


def _gate(tmp_path: Path, planted: str = "") -> subprocess.CompletedProcess[str]:
    """The coverage gate over the installed Django, after ``planted`` ran on it."""
    script = tmp_path / "gate.py"
    script.write_text(
        "import django\ndjango.setup()\n" + textwrap.dedent(planted) + "\n" + GATE,
        encoding="utf-8",
    )
    environ = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "testapp.settings",
        "CONFORMANCE_DB_SUFFIX": f"walk_{os.getpid()}",
    }
    return subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=environ, capture_output=True,
        text=True, check=False, timeout=300,
    )  # fmt: skip


def _rows(run: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    return {row["api"]: row for row in map(json.loads, run.stdout.splitlines())}


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> subprocess.CompletedProcess[str]:
    return _gate(tmp_path_factory.mktemp("clean"))


def test_every_async_api_of_the_installed_django_is_checked_or_has_a_reason(clean):
    assert clean.returncode == 0, clean.stderr[-3000:]
    rows = _rows(clean)
    assert all(row["status"] in {"checked", "not covered"} for row in rows.values())
    assert all(row["reason"] for row in rows.values() if row["status"] == "not covered")


def test_the_walk_finds_apis_no_owner_list_names(clean):
    rows = _rows(clean)
    found = {
        "django.contrib.auth.hashers.acheck_password",
        "django.contrib.auth.middleware.auser",
        "django.contrib.auth.models.GroupManager.aget_by_natural_key",
        "django.test.client.ClientMixin.alogin",
        "django.core.cache.backends.base.BaseCache.aget_or_set",
        "django.contrib.sessions.backends.file.SessionStore.asave",
    }
    if django.VERSION >= (5, 2):
        found.add("django.contrib.auth.middleware.RemoteUserMiddleware.aprocess_request")
    assert found <= rows.keys()
    # Methods of classes a factory builds inside a function are found through their code.
    assert any(".<locals>.ManyRelatedManager.aadd" in name for name in rows)


def test_an_api_is_checked_by_the_feature_that_calls_it(clean):
    rows = _rows(clean)
    assert rows["django.db.models.query.QuerySet.aget"]["features"] == ["queryset.aget"]
    assert rows["django.contrib.auth.hashers.acheck_password"]["twin"] == (
        "django.contrib.auth.hashers.check_password"
    )


PLANTED = {
    "a module function": (
        "django.utils.text.ashout",
        """
        import django.utils.text

        async def ashout(text):
            return text.upper()

        django.utils.text.ashout = ashout
        """,
    ),
    "a method of a class no owner names": (
        "django.core.paginator.Paginator.aslice",
        """
        from django.core.paginator import Paginator

        async def aslice(self, start, stop):
            return self.object_list[start:stop]

        Paginator.aslice = aslice
        """,
    ),
}


@pytest.mark.parametrize(("name", "planted"), list(PLANTED.values()), ids=list(PLANTED))
def test_an_async_api_added_to_django_fails_the_gate_until_it_is_covered(tmp_path, name, planted):
    run = _gate(tmp_path, planted)
    assert run.returncode == 1
    row = _rows(run)[name]
    assert row["status"] == "unaccounted"
    assert row["reason"].startswith("no check and no reason")
    assert f"unaccounted async API: {name}" in run.stderr
    assert "conformance/data/surface.toml" in run.stderr


WALK_SKIPS = """
import django
django.setup()
from conformance.runner.walk import walk
for skipped in walk().skipped:
    print(skipped.module, "|", skipped.reason)
"""


def test_only_the_cells_own_driver_backend_is_walked(tmp_path):
    """psycopg is installed here, yet a SQLite cell does not walk the PostgreSQL backend: which
    drivers a shared environment holds depends on the cells that ran in it first."""
    script = tmp_path / "walk.py"
    script.write_text(WALK_SKIPS, encoding="utf-8")
    environ = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "testapp.settings"}
    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=environ, capture_output=True,
        text=True, check=True, timeout=300,
    )  # fmt: skip
    skipped = dict(line.split(" | ", 1) for line in run.stdout.splitlines())
    other = "another database's backend: walked in that database's cells"
    assert skipped["django.db.backends.postgresql"] == other
    assert skipped["django.db.backends.mysql"] == other
    assert "django.db.backends.sqlite3" not in skipped
