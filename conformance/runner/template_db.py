"""Migrations once per database: a migrated template kept between runs, copied for each run.

Every pytest run of a cell needs a fresh test database with every migration applied. Applying
them is the same work every time for the same Django, apps and migration files, so it is done
once into a template named by those (``template_name``), and each run starts from a copy: a
file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. Other servers (MariaDB:
Django clones it with ``mysqldump``, a client program a machine may lack) migrate as before.

The template is built under another name and renamed when complete, so a run that was killed
while building never leaves a half-migrated template behind; parallel cells take turns through
a lock file, and the second finds the template built.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TEMPLATE_VENDORS = ("sqlite", "postgresql")


def template_key(connection: Any) -> str:
    """What decides a migrated database's contents: Django's version, the database engine,
    the installed apps and every migration file's name and bytes (read, not imported: importing
    them all would cost what the template saves)."""
    import django
    from django.apps import apps
    from django.conf import settings
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256()
    for part in (django.__version__, connection.settings_dict["ENGINE"], *settings.INSTALLED_APPS):
        digest.update(part.encode() + b"\0")
    for app in apps.get_app_configs():
        module, _ = MigrationLoader.migrations_module(app.label)
        spec = importlib.util.find_spec(module) if module else None
        for folder in (spec and spec.submodule_search_locations) or ():
            for path in sorted(Path(folder).glob("*.py")):
                digest.update(f"{module}.{path.name}\0".encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def supported(connection: Any) -> bool:
    """Whether this database is copied from a template (SQLite on a file, PostgreSQL)."""
    if connection.vendor not in TEMPLATE_VENDORS:
        return False
    test_name = connection.settings_dict["TEST"].get("NAME")
    return connection.vendor != "sqlite" or bool(test_name and test_name != ":memory:")


@contextmanager
def _turn(name: str) -> Iterator[None]:
    """One process at a time builds or copies the template ``name``."""
    lock = Path(tempfile.gettempdir()) / f"conformance-template-{name}.lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _template_name(connection: Any, key: str) -> str:
    if connection.vendor == "sqlite":
        folder = Path(connection.settings_dict["TEST"]["NAME"]).parent
        return str(folder / f"conformance_template_{key}.sqlite3")
    return f"conformance_template_{key}"


def _exists(connection: Any, name: str) -> bool:
    if connection.vendor == "sqlite":
        return Path(name).exists()
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _build(connection: Any, template: str) -> None:
    """Migrate a new database and rename it to ``template`` once every migration is in."""
    building = f"{template}.building-{os.getpid()}"
    if connection.vendor == "postgresql":
        building = f"{template}_building_{os.getpid()}"
    connection.settings_dict["TEST"]["NAME"] = building
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    connection.close()
    if connection.vendor == "sqlite":
        os.replace(building, template)
        return
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")


def _copy(connection: Any, template: str, name: str) -> None:
    """A new database ``name`` with the template's contents (an older one is replaced)."""
    if connection.vendor == "sqlite":
        for leftover in Path(name).parent.glob(f"{Path(name).name}*"):
            leftover.unlink()
        shutil.copyfile(template, name)
        return
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        # The default strategy: FILE_COPY (PostgreSQL 15+) is 40 ms faster on an idle server
        # but forces two checkpoints, which take seconds on a busy one.
        cursor.execute(f"CREATE DATABASE {quote(name)} WITH TEMPLATE {quote(template)}")


def create_from_template(connection: Any) -> str:
    """Point ``connection`` at a new test database copied from the migrated template (built
    first if this is the first run to need it); return the database's name before, for
    ``connection.creation.destroy_test_db``."""
    from django.conf import settings

    original = connection.settings_dict["NAME"]
    test_name = connection.settings_dict["TEST"]["NAME"]
    template = _template_name(connection, template_key(connection))
    with _turn(Path(template).name):
        if not _exists(connection, template):
            _build(connection, template)
            connection.settings_dict["NAME"] = original
        _copy(connection, template, test_name)
    connection.settings_dict["TEST"]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.close()
    return original
