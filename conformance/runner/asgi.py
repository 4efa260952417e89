"""HTTP exchanges with the served testapp, and the verdicts the production checks draw from them.

A real client (httpx) talks to a real server (``conformance.runner.server``) over loopback.
Every exchange is kept as evidence: method, path, status, a body excerpt, and the exception the
server raised, from the response (``testapp.middleware``) or from past Django's handler.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from conformance.runner.probe import Outcome, observed, snippet
from conformance.runner.server import Server
from conformance.verdicts import Verdict
from testapp.middleware import EXCEPTION_HEADER

TIMEOUT_S = 10.0  # per request: a bounded wait, whatever the server does
BODY_EXCERPT = 300
_MISSING_ASYNC_METHOD = re.compile(r"has no attribute 'a\w+'")


@dataclass
class Exchange:
    """One request and what came back: the evidence of a view's verdict."""

    method: str
    path: str
    status: int | None  # None: no response (the connection broke, or the request timed out)
    body: str
    exception: str | None = None  # the server-side exception class, if any
    message: str | None = None
    seconds: float = 0.0

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"body": self.body[:BODY_EXCERPT]}

    def line(self) -> str:
        """The exchange in one line, as the evidence panel shows it."""
        answer = "no response" if self.status is None else str(self.status)
        raised = f" [{self.exception}: {self.message}]" if self.exception else ""
        return f"{self.method} {self.path} -> {answer} {self.body[:BODY_EXCERPT]!r}{raised}"


async def _send(
    client: httpx.AsyncClient, server: Server, method: str, path: str, payload: Any
) -> Exchange:
    started = time.perf_counter()
    seen_errors = len(server.errors)
    try:
        response = await client.request(method, server.url + path, json=payload)
    except httpx.HTTPError as exc:
        # The server broke the response off: the cause is what the application raised.
        raised = server.errors[seen_errors:] or [{"type": type(exc).__name__, "message": str(exc)}]
        return Exchange(
            method, path, None, "", raised[-1]["type"], raised[-1]["message"],
            round(time.perf_counter() - started, 4),
        )  # fmt: skip
    exchange = Exchange(
        method, path, response.status_code, response.text,
        seconds=round(time.perf_counter() - started, 4),
    )  # fmt: skip
    if EXCEPTION_HEADER in response.headers:
        detail = exchange.json() or {}
        exchange.exception = detail.get("exception")
        exchange.message = detail.get("message")
    return exchange


async def _all(
    server: Server, requests: list[tuple[str, str, Any]], *, at_once: bool
) -> list[Exchange]:
    limits = httpx.Limits(max_connections=len(requests) or 1, max_keepalive_connections=0)
    # Plain HTTP on loopback: no certificates to load, no proxy settings to read.
    async with httpx.AsyncClient(
        timeout=TIMEOUT_S, limits=limits, verify=False, trust_env=False
    ) as client:
        if at_once:
            sends = (_send(client, server, method, path, body) for method, path, body in requests)
            return list(await asyncio.gather(*sends))
        return [await _send(client, server, *one) for one in requests]


def request(server: Server, method: str, path: str, payload: Any = None) -> Exchange:
    """One request, from a fresh client and event loop (the test thread has none running)."""
    return asyncio.run(_all(server, [(method, path, payload)], at_once=False))[0]


def concurrently(server: Server, paths: Iterable[str]) -> list[Exchange]:
    """GET every path at once, each on its own HTTP connection."""
    return asyncio.run(_all(server, [("GET", path, None) for path in paths], at_once=True))


def sequentially(server: Server, paths: Iterable[str]) -> list[Exchange]:
    """GET every path, one after another, each on its own HTTP connection."""
    return asyncio.run(_all(server, [("GET", path, None) for path in paths], at_once=False))


def snippets(*functions: Callable[..., Any]) -> str:
    """The source of the views (and helpers) a check called, as its evidence's snippet."""
    return "\n\n".join(snippet(function) for function in functions)


def _answers(exchange: Exchange | None, status: int, expected: Any) -> bool:
    if exchange is None or exchange.status != status:
        return False
    return (exchange.json() if isinstance(expected, dict) else exchange.body) == expected


def observation(exchange: Exchange) -> dict[str, Any]:
    """An exchange in the results file's observation shape."""
    if exchange.exception:
        return observed("exception", exchange.line(), type_name=exchange.exception) | {
            "message": f"{exchange.message} ({exchange.method} {exchange.path})"
        }
    return observed("value", exchange.line())


def view_outcome(
    code: str,
    direct: Exchange,
    *,
    expected: Any,
    status: int = 200,
    wrapped: Exchange | None = None,
) -> Outcome:
    """The verdict of a view from its exchanges, against what the sync ORM says it should answer.

    ``native``: the direct form answered as expected. ``diverges``: it answered, but not what the
    sync ORM gives. ``absent``: it failed for want of an async method. ``needs-sync-to-async``:
    it failed and the wrapped form answered as expected. ``unsupported``: neither did.
    """
    exchanges = [direct] + ([wrapped] if wrapped else [])
    evidence: dict[str, Any] = {
        "snippet": code,
        "observed": observation(direct),
        "measurements": {"exchanges": [e.to_json() for e in exchanges], "expected": expected},
    }
    if wrapped is not None:
        evidence["wrapped"] = observation(wrapped)
    if _answers(direct, status, expected):
        return Outcome(Verdict.NATIVE, evidence)
    if direct.status == status:
        return Outcome(
            Verdict.DIVERGES,
            evidence,
            f"{direct.method} {direct.path} answered {direct.body[:120]!r}, the sync ORM gives "
            f"{expected!r}",
        )
    failed = f"{direct.method} {direct.path} failed: {direct.exception}: {direct.message}"
    if direct.exception == "AttributeError" and _MISSING_ASYNC_METHOD.search(direct.message or ""):
        return Outcome(Verdict.ABSENT, evidence, failed)
    if _answers(wrapped, status, expected):
        return Outcome(Verdict.NEEDS_SYNC_TO_ASYNC, evidence, failed)
    return Outcome(Verdict.UNSUPPORTED, evidence, failed)
