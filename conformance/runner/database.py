"""Database settings for a session, from the environment, with errors that say how to fix them.

``CONFORMANCE_BACKEND`` names the column (``sqlite``, ``postgresql``, ``mariadb`` or a column of
a backends file); every column but SQLite reaches its server by ``CONFORMANCE_DATABASE_URL``
(the noxfile sets it to the user's server, a throwaway PostgreSQL or the local MariaDB), and
``CONFORMANCE_BACKEND_SETTINGS`` (JSON) carries a column's own settings, such as ``ENGINE``,
``OPTIONS`` or ``CONN_MAX_AGE``, merged over what the URL gives. ``CONFORMANCE_DB_SUFFIX`` makes
the test database name unique per run so that overlapping runs never share a database.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BACKEND_ENV = "CONFORMANCE_BACKEND"
URL_ENV = "CONFORMANCE_DATABASE_URL"
SETTINGS_ENV = "CONFORMANCE_BACKEND_SETTINGS"
APPS_ENV = "CONFORMANCE_EXTRA_APPS"
SUFFIX_ENV = "CONFORMANCE_DB_SUFFIX"
# URL schemes per server family.
SCHEMES = {"postgresql": {"postgres", "postgresql", "pgsql"}, "mariadb": {"mysql", "mariadb"}}
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mariadb": "MariaDB"}
SECRET_WORDS = ("password", "passwd", "secret", "token", "key")


class DatabaseConfigError(Exception):
    """A database setting that cannot work; the message names the problem and the fix."""


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***``, safe for logs and reports."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparseable URL>"
    if not password:
        return url
    userinfo, _, hostinfo = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{hostinfo}"))


def mask_settings(settings: Any) -> Any:
    """``settings`` with every value under a secret-looking key replaced by ``***``."""
    if isinstance(settings, dict):
        return {
            key: "***"
            if any(word in str(key).lower() for word in SECRET_WORDS)
            else mask_settings(value)
            for key, value in settings.items()
        }
    if isinstance(settings, list):
        return [mask_settings(value) for value in settings]
    return settings


def family(url: str | None) -> str:
    """``sqlite``, ``postgresql`` or ``mariadb``: which kind of server a URL names."""
    if not url:
        return "sqlite"
    scheme = urlsplit(url).scheme
    for name, schemes in SCHEMES.items():
        if scheme in schemes:
            return name
    return "sqlite" if scheme.startswith("sqlite") else scheme


def server_settings(url: str, suffix: str, overrides: dict[str, Any] | None = None):
    """Django settings for a server URL; the test database name carries ``suffix``."""
    import dj_database_url

    kind = family(url)
    if kind not in SCHEMES:
        raise DatabaseConfigError(
            f"{URL_ENV}={mask_url(url)!s} is not a PostgreSQL or MariaDB URL (scheme "
            f"{urlsplit(url).scheme!r}). Fix: use postgresql://USER:PASSWORD@HOST:PORT/NAME or "
            "mysql://USER:PASSWORD@HOST:PORT/NAME, or unset it to let the kit find a server."
        )
    if urlsplit(url).scheme == "mariadb":  # dj-database-url knows MariaDB as mysql://
        url = "mysql" + url.removeprefix("mariadb")
    try:
        settings = dj_database_url.parse(url, conn_max_age=0)
    except ValueError as exc:
        raise DatabaseConfigError(
            f"{URL_ENV}={mask_url(url)} cannot be parsed ({exc}). "
            "Fix: use SCHEME://USER:PASSWORD@HOST:PORT/NAME."
        ) from exc
    name = settings.get("NAME") or "conformance"
    settings["NAME"] = name
    settings["OPTIONS"] = {**settings.get("OPTIONS", {}), "connect_timeout": 5}
    settings["TEST"] = {"NAME": f"test_{name}_{suffix}"[:63]}
    if kind == "mariadb":
        # Django before 5.2 connects with 3-byte utf8, which cannot store the 4-byte characters
        # the property checks generate; utf8mb4 is what a MariaDB deployment configures.
        settings["TEST"]["CHARSET"] = "utf8mb4"
        settings["OPTIONS"]["charset"] = "utf8mb4"
    for key, value in (overrides or {}).items():
        if key == "OPTIONS":
            settings["OPTIONS"] = {**settings["OPTIONS"], **value}
        else:
            settings[key] = value
    return settings


def sqlite_dir() -> Path:
    """Where SQLite test databases go: RAM-backed ``/dev/shm`` when it is writable (no disk
    writes, as fast as memory), else the system's temporary folder."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return Path(tempfile.gettempdir())


def sqlite_settings(suffix: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """A SQLite test database in a file of its own, named by ``suffix`` so runs never overlap.

    A file, as a deployment has, not Django's default in-memory test database: that one is a
    single shared cache whose lock every thread's connection takes for a whole statement, so
    the served app's threads and the checks' thread run one statement at a time (not what a
    deployment sees), and a statement that calls back into Python (the views' sleep function)
    while the checks' thread waits for that lock with the GIL held deadlocks the session. Django
    creates the file before the suite and removes it after.
    """
    test_name = str(sqlite_dir() / f"test_conformance_{suffix}.sqlite3")
    settings: dict[str, Any] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "TEST": {"NAME": test_name},
    }
    return {**settings, **(overrides or {})}


def remove_sqlite_files(suffix: str) -> None:
    """Remove what a session with ``suffix`` left of its SQLite test database: Django removes
    the file itself, unless the session was stopped before its teardown."""
    for leftover in sqlite_dir().glob(f"test_conformance_{suffix}.sqlite3*"):
        leftover.unlink(missing_ok=True)


def _overrides(env: Any) -> dict[str, Any]:
    text = env.get(SETTINGS_ENV) or "{}"
    try:
        overrides = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatabaseConfigError(
            f"{SETTINGS_ENV} is not JSON ({exc.msg}). Fix: let nox set it from the backends file."
        ) from exc
    if not isinstance(overrides, dict):
        raise DatabaseConfigError(f"{SETTINGS_ENV} must be a JSON object of DATABASES settings.")
    return overrides


def database_settings_from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``DATABASES['default']`` entry for this session's backend."""
    env = os.environ if environ is None else environ
    backend = env.get(BACKEND_ENV, "sqlite")
    suffix = env.get(SUFFIX_ENV, str(os.getpid()))
    url = env.get(URL_ENV)
    overrides = _overrides(env)
    if backend == "sqlite" or (not url and overrides.get("ENGINE", "").endswith("sqlite3")):
        return sqlite_settings(suffix, overrides)
    if not url:
        raise DatabaseConfigError(
            f"{BACKEND_ENV}={backend} but {URL_ENV} is not set. Fix: run through nox, which "
            "finds or starts a server, or set it to SCHEME://USER@HOST:PORT/NAME."
        )
    wanted = {"postgresql": "postgresql://", "mariadb": "mysql://"}.get(backend)
    if wanted and family(url) != backend:
        raise DatabaseConfigError(
            f"{URL_ENV}={mask_url(url)} is not a {LABELS[backend]} URL (scheme "
            f"{urlsplit(url).scheme!r}) but the column is {backend}. Fix: use "
            f"{wanted}USER:PASSWORD@HOST:PORT/NAME, or unset it to let nox find a server."
        )
    return server_settings(url, suffix, overrides)


def extra_apps(environ: dict[str, str] | None = None) -> list[str]:
    """Apps a column adds to ``INSTALLED_APPS`` (e.g. a backend package's own app)."""
    env = os.environ if environ is None else environ
    return [app for app in (env.get(APPS_ENV) or "").split(",") if app]


DRIVERS = {
    "postgresql": ("psycopg", "psycopg2-binary", "psycopg2"),
    "mariadb": ("mysqlclient",),
}


def driver(kind: str) -> str | None:
    """The database driver this session uses for a server family, with its version."""
    from importlib import metadata

    if kind == "sqlite":
        import sqlite3

        return f"sqlite3 {sqlite3.sqlite_version}"
    for distribution in DRIVERS.get(kind, ()):
        try:
            return f"{distribution} {metadata.version(distribution)}"
        except metadata.PackageNotFoundError:
            continue
    return None


def server_version() -> str:
    """The server's version, asked with the driver itself (Django's connections are blocked
    outside checks); on PostgreSQL also proves that the user may create the test database."""
    from django.db import connection

    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    settings = connection.settings_dict
    if connection.vendor == "mysql":
        return _mysql_server_version(connection.Database, settings)
    params = {
        "dbname": "postgres",
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD"),
        "host": settings.get("HOST"),
        "port": settings.get("PORT"),
        "connect_timeout": 5,
    }
    raw = connection.Database.connect(**{key: value for key, value in params.items() if value})
    try:
        cursor = raw.cursor()
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
        cursor.execute(
            "SELECT current_user, rolcreatedb OR rolsuper "
            "FROM pg_roles WHERE rolname = current_user"
        )
        user, may_create = cursor.fetchone()
    finally:
        raw.close()
    if not may_create:
        raise DatabaseConfigError(
            f"PostgreSQL user {user!r} may not create databases, and every session creates its "
            f"own test database. Fix: ALTER ROLE {user} CREATEDB, or use another user."
        )
    return f"PostgreSQL {version}"


def _mysql_server_version(driver_module: Any, settings: dict[str, Any]) -> str:
    """MariaDB's version, from a connection to no database (the test one does not exist yet)."""
    params = {
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD"),
        "host": settings.get("HOST"),
        "port": int(settings["PORT"]) if settings.get("PORT") else None,
        "connect_timeout": 5,
    }
    raw = driver_module.connect(**{key: value for key, value in params.items() if value})
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT VERSION()")
        (version,) = cursor.fetchone()
    finally:
        raw.close()
    name = "MariaDB" if "mariadb" in version.lower() else "MySQL"
    return f"{name} {version}"


def unreachable(url: str | None, exc: BaseException, what: str) -> str:
    """One line naming the server (password masked), the driver's reason and the fix."""
    where = mask_url(url) if url else "the configured database"
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "no detail"
    return (
        f"{what} at {where}: {type(exc).__name__}: {detail}. Fix: start the server, check the "
        "user, password and host in the URL you set (CONFORMANCE_DATABASE_URL for PostgreSQL, "
        "CONFORMANCE_MARIADB_URL for MariaDB), or unset it to let nox find or start a server."
    )


def server_gone(exc: BaseException) -> bool:
    """After a database error, whether the server itself has stopped answering."""
    if type(exc).__name__ not in {"OperationalError", "InterfaceError"}:
        return False
    try:
        server_version()
    except Exception:
        return True
    return False
