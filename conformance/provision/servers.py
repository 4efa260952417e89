"""The database server a column's cells connect to."""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping, Sequence

from conformance.matrix import Backend
from conformance.provision import mariadb, postgresql


class ServerError(Exception):
    """No usable server for a column; the message names the fix."""


def column_url(
    backend: Backend,
    environ: MutableMapping[str, str],
    uv: Sequence[str],
    log: Callable[[str], None],
) -> str | None:
    """The column's URL; ``None`` for SQLite, or for MariaDB when the user named no server
    (``mariadb.choose`` says why)."""
    if backend.server == "postgresql":
        try:
            return postgresql.url(environ, uv, log)
        except postgresql.StartError as exc:
            raise ServerError(str(exc)) from exc
    if backend.server == "mariadb":
        return mariadb.choose(environ).url
    if backend.url:
        url = os.path.expandvars(backend.url)
        if "$" in url:
            raise ServerError(
                f"backend {backend.name!r} ({backend.origin}): its url {backend.url!r} names an "
                "environment variable that is not set. Fix: export it, or write the URL out."
            )
        return url
    return None
