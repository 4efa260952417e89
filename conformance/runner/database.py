"""Database settings for a session, from the environment, with errors that say how to fix them.

``CONFORMANCE_BACKEND`` picks ``sqlite`` or ``postgresql``; for PostgreSQL,
``CONFORMANCE_DATABASE_URL`` names the server (the noxfile sets it to a throwaway server when
the user gave none). ``CONFORMANCE_DB_SUFFIX`` makes the test database name unique per run so
that overlapping runs never share a database.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BACKEND_ENV = "CONFORMANCE_BACKEND"
URL_ENV = "CONFORMANCE_DATABASE_URL"
SUFFIX_ENV = "CONFORMANCE_DB_SUFFIX"


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


def postgresql_settings(url: str, suffix: str) -> dict[str, Any]:
    """Django settings for a PostgreSQL URL; the test database name carries ``suffix``."""
    import dj_database_url

    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        raise DatabaseConfigError(
            f"{URL_ENV}={mask_url(url)!s} is not a PostgreSQL URL (scheme {scheme!r}). "
            "Fix: use postgresql://USER:PASSWORD@HOST:PORT/NAME, or unset it to let the kit "
            "start a throwaway server."
        )
    try:
        settings = dj_database_url.parse(url, conn_max_age=0)
    except ValueError as exc:
        raise DatabaseConfigError(
            f"{URL_ENV}={mask_url(url)} cannot be parsed ({exc}). "
            "Fix: use postgresql://USER:PASSWORD@HOST:PORT/NAME."
        ) from exc
    name = settings.get("NAME") or "conformance"
    settings["NAME"] = name
    settings["OPTIONS"] = {**settings.get("OPTIONS", {}), "connect_timeout": 5}
    settings["TEST"] = {"NAME": f"test_{name}_{suffix}"[:63]}
    return settings


def database_settings_from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``DATABASES['default']`` entry for this session's backend."""
    env = os.environ if environ is None else environ
    backend = env.get(BACKEND_ENV, "sqlite")
    suffix = env.get(SUFFIX_ENV, str(os.getpid()))
    if backend == "sqlite":
        # In-memory test database: private to this process, so runs cannot overlap.
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    if backend == "postgresql":
        url = env.get(URL_ENV)
        if not url:
            raise DatabaseConfigError(
                f"{BACKEND_ENV}=postgresql but {URL_ENV} is not set. Fix: run through nox, "
                "which starts a throwaway server, or set it to postgresql://USER@HOST:PORT/NAME."
            )
        return postgresql_settings(url, suffix)
    raise DatabaseConfigError(
        f"{BACKEND_ENV}={backend!r} is not a backend the kit knows. Fix: use sqlite or postgresql."
    )


def driver(backend: str) -> str | None:
    """The database driver this session uses, with its version."""
    from importlib import metadata

    if backend == "sqlite":
        import sqlite3

        return f"sqlite3 {sqlite3.sqlite_version}"
    for distribution in ("psycopg", "psycopg2-binary", "psycopg2"):
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


def unreachable(url: str | None, exc: BaseException, what: str) -> str:
    """One line naming the server (password masked), the driver's reason and the fix."""
    where = mask_url(url) if url else "the configured database"
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "no detail"
    return (
        f"{what} at {where}: {type(exc).__name__}: {detail}. Fix: start the server, check the "
        f"user, password and host in {URL_ENV}, or unset it to let nox start a throwaway server."
    )


def server_gone(exc: BaseException) -> bool:
    """After a database error on PostgreSQL, whether the server itself has stopped answering."""
    if type(exc).__name__ not in {"OperationalError", "InterfaceError"}:
        return False
    try:
        server_version()
    except Exception:
        return True
    return False
