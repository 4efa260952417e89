"""Which MariaDB server a run uses. Only one the user names: a URL, or the local server when
asked for it (``CONFORMANCE_MARIADB=local``). Whatever answers on port 3306 is never used as
root on a guess."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from conformance.provision.names import MARIADB_ENV, MARIADB_URL_ENV

LOCAL_URL = "mysql://root@127.0.0.1:3306/conformance"


class Choice(NamedTuple):
    """The server's URL, or ``None``; ``why`` says where it came from, or why there is none."""

    url: str | None
    why: str


def choose(environ: Mapping[str, str]) -> Choice:
    """The MariaDB server for this run, or none and the way to name one."""
    if environ.get(MARIADB_URL_ENV):
        return Choice(environ[MARIADB_URL_ENV], MARIADB_URL_ENV)
    asked = environ.get(MARIADB_ENV, "")
    if asked == "local":
        return Choice(LOCAL_URL, f"{MARIADB_ENV}=local: the server on 127.0.0.1:3306, as root")
    if asked:
        return Choice(
            None,
            f"{MARIADB_ENV}={asked} is not understood. Fix: set {MARIADB_ENV}=local, or "
            f"{MARIADB_URL_ENV}=mysql://USER:PASSWORD@HOST:PORT/NAME.",
        )
    return Choice(
        None,
        f"no MariaDB server named: set {MARIADB_URL_ENV}=mysql://USER:PASSWORD@HOST:PORT/NAME, "
        f"or {MARIADB_ENV}=local to use the server on 127.0.0.1:3306 as root.",
    )
