"""Columns beyond SQLite and PostgreSQL: MariaDB, backends files, pre-releases and Django sources.

The runs here are real nox sessions on real servers, narrowed with ``-k`` to a few checks so
that each takes seconds; the full columns run in the matrix itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from packaging.version import Version

from conformance.matrix import (
    BUILTIN_BACKENDS,
    RELEASES,
    Backend,
    BackendsFileError,
    Release,
    cells,
    load_backends,
    prerelease,
)
from conformance.report.merge import merge
from tests.conftest import bare_nox

ROOT = Path(__file__).resolve().parent.parent
FEW_CHECKS = "aget or acount"
POOL_COLUMN = """
[backend.pg-pool]
label = "PostgreSQL, psycopg pool"
server = "postgresql"
releases = ["5.2"]
packages = ["psycopg[pool]"]

[backend.pg-pool.settings]
CONN_MAX_AGE = 0
OPTIONS = { pool = { min_size = 1, max_size = 4 }, password = "hunter2" }
"""


def nox(
    *args: str, env: dict[str, str], cwd: Path = ROOT, unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", **env}
    # A run of its own, with its own throwaway server.
    for name in ("CONFORMANCE_RUN_ID", *unset):
        environ.pop(name, None)
    return subprocess.run(
        [*bare_nox(), "-f", str(ROOT / "noxfile.py"), *args],
        cwd=cwd, env=environ, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


def listed(env: dict[str, str]) -> list[str]:
    run = nox("-l", "--json", env=env)
    assert run.returncode == 0, run.stderr
    return [entry["session"] for entry in json.loads(run.stdout)]


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('[backend.x]\nserver = "postgresql"\ncolour = "red"', "unknown keys"),
        ('[backend.sqlite]\nserver = "postgresql"', "is a built-in backend"),
        ('[backend.x]\nserver = "postgresql"\nurl = "postgresql://h/d"', "exactly one of"),
        ("[backend.x]\nlabel = 'no server'", "exactly one of"),
        ('[backend.x]\nserver = "oracle"', "not one the kit provides"),
        ('[backend.x]\nserver = "postgresql"\nreleases = ["3.2"]', "not in the matrix"),
        ('[backend.X]\nserver = "postgresql"', "lower-case"),
        ("[backend]", "declares no backend"),
        ("[backend.x", "cannot be read as TOML"),
    ],
)
def test_a_bad_backends_file_names_its_problem(tmp_path, table, problem):
    path = tmp_path / "backends.toml"
    path.write_text(table)
    with pytest.raises(BackendsFileError, match=problem):
        load_backends(path)


def test_a_missing_backends_file_names_the_variable_to_fix(tmp_path):
    with pytest.raises(BackendsFileError, match="CONFORMANCE_BACKENDS"):
        load_backends(tmp_path / "nowhere.toml")


def test_a_custom_column_runs_only_on_its_releases():
    column = Backend("mine", "Mine", server="postgresql", releases=("5.2",))
    assert [cell.id for cell in cells(RELEASES, [column])] == ["django-5.2-mine"]


def test_the_newest_pre_release_beyond_every_release_becomes_a_column():
    newest = RELEASES[-1].series
    major, minor = (int(part) for part in newest.split("."))
    upcoming = f"{major}.{minor + 1}"
    found = prerelease(["4.2a1", f"{newest}rc1", f"{upcoming}a1", f"{upcoming}b1", "4.2"])
    assert found is not None
    assert (found.series, found.channel, found.requirement) == (
        upcoming,
        "pre-release",
        f"django=={upcoming}b1",
    )


def test_no_pre_release_column_when_pypi_has_none_beyond_the_newest_release():
    assert prerelease([release.series for release in RELEASES] + ["4.1rc1"]) is None


def test_a_pre_release_or_source_runs_on_the_built_in_backends_only():
    upcoming = Release("9.9", python="3.13", channel="pre-release", pin="django==9.9a1")
    extra = Backend("mine", "Mine", server="postgresql", releases=("5.2",), origin="mine.toml")
    ids = [cell.id for cell in cells([upcoming], [*BUILTIN_BACKENDS, extra])]
    assert ids == [
        "django-9.9-pre-release-sqlite",
        "django-9.9-pre-release-postgresql",
        "django-9.9-pre-release-mariadb",
    ]


@pytest.mark.slow
def test_nox_lists_a_pre_release_column_from_the_index(tmp_path):
    index = tmp_path / "django.json"
    index.write_text(json.dumps({"releases": {"9.9a1": [], "9.9b2": [], "5.2": []}}))
    sessions = listed({"CONFORMANCE_PYPI_JSON": index.as_uri()})
    assert "conformance(django-9.9-pre-release-postgresql)" in sessions


@pytest.mark.slow
def test_nox_lists_the_columns_of_a_user_backends_file(tmp_path):
    (tmp_path / "backends.toml").write_text(POOL_COLUMN)
    sessions = listed({"CONFORMANCE_BACKENDS": str(tmp_path / "backends.toml")})
    assert "conformance(django-5.2-pg-pool)" in sessions
    assert "conformance(django-6.1-pg-pool)" not in sessions


@pytest.mark.slow
def test_a_bad_backends_file_stops_nox_with_the_problem(tmp_path):
    (tmp_path / "backends.toml").write_text('[backend.sqlite]\nserver = "postgresql"')
    run = nox("-l", env={"CONFORMANCE_BACKENDS": str(tmp_path / "backends.toml")})
    assert run.returncode != 0
    assert "is a built-in backend" in run.stderr


@pytest.mark.slow
def test_a_psycopg_pool_column_runs_as_its_own_column(tmp_path):
    (tmp_path / "backends.toml").write_text(POOL_COLUMN)
    env = {
        "CONFORMANCE_BACKENDS": str(tmp_path / "backends.toml"),
        "CONFORMANCE_REPORTS": str(tmp_path / "reports"),
    }
    run = nox("-s", "conformance(django-5.2-pg-pool)", "--", "-k", FEW_CHECKS, env=env)
    assert run.returncode == 0, run.stdout[-3000:]
    results = json.loads((tmp_path / "reports/sessions/django-5.2-pg-pool.json").read_text())
    assert results["status"] == "complete"
    assert results["checks"]
    settings = results["environment"]["backend_settings"]
    assert settings["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 4}
    assert settings["OPTIONS"]["password"] == "***"
    assert "hunter2" not in run.stdout + run.stderr


@pytest.mark.slow
def test_mariadb_cells_are_not_run_unless_a_server_is_named_and_nox_still_succeeds(tmp_path):
    reports = tmp_path / "reports"
    env = {"CONFORMANCE_REPORTS": str(reports), "CONFORMANCE_PYPI_JSON": "off"}
    # A server answers on 127.0.0.1:3306 here: it is not used unless the user names it.
    run = nox(
        "-s", "conformance(django-5.2-mariadb)",
        env=env, unset=("CONFORMANCE_MARIADB_URL", "CONFORMANCE_MARIADB"),
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    cell = next(c for c in merge(reports / "sessions")["cells"] if c["id"] == "django-5.2-mariadb")
    assert cell["state"] == "not-run"
    assert "CONFORMANCE_MARIADB_URL" in cell["error"]
    assert "CONFORMANCE_MARIADB=local" in cell["error"]


def download_sdist(series: str, folder: Path) -> Path:
    """The newest sdist of a Django series, from PyPI's JSON API (the tests venv has no pip)."""
    index = "https://pypi.org/pypi/Django/json"
    with urllib.request.urlopen(index, timeout=30) as response:
        releases = json.load(response)["releases"]
    version = max(
        (Version(v) for v in releases if not Version(v).is_prerelease and v.startswith(series)),
    )
    (sdist,) = (f for f in releases[str(version)] if f["packagetype"] == "sdist")
    target = folder / sdist["filename"]
    # a mirror may give file URLs relative to the index page
    urllib.request.urlretrieve(urllib.parse.urljoin(index, sdist["url"]), target)
    return target


@pytest.mark.slow
def test_an_unpacked_django_sdist_runs_as_a_source_column(tmp_path):
    try:
        sdist = download_sdist(RELEASES[-1].series, tmp_path)
    except OSError as exc:
        pytest.skip(f"cannot download Django's sdist from PyPI: {exc}")
    shutil.unpack_archive(sdist, tmp_path, filter="data")
    source = next(path for path in tmp_path.iterdir() if path.is_dir())
    env = {
        "CONFORMANCE_DJANGO_SOURCE": str(source),
        "CONFORMANCE_REPORTS": str(tmp_path / "reports"),
        "CONFORMANCE_PYPI_JSON": "off",
    }
    cell_id = f"django-{RELEASES[-1].series}-source-sqlite"
    run = nox("-s", f"conformance({cell_id})", "--", "-k", FEW_CHECKS, env=env)
    assert run.returncode == 0, run.stdout[-3000:]
    merged = merge(tmp_path / "reports/sessions")
    cell = next(c for c in merged["cells"] if c["id"] == cell_id)
    assert (cell["state"], cell["channel"]) == ("complete", "source")
    assert cell["label"].endswith("from source")
    assert cell["environment"]["django"] == source.name.removeprefix("django-")
