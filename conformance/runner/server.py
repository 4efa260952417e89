"""A real ASGI server (uvicorn), and a real WSGI server (Django's own), serving an application
on a free loopback port, in this process.

In-process, so that the server's threads reach the session's test database through the same
settings as the checks. The ASGI server runs its own event loop in a background thread;
``serving`` waits a bounded time for it to listen, and always stops it, failing loudly, naming
the port, when it cannot. ``serving_wsgi`` serves Django's sync path for the production checks'
sync twin: one thread, the way a gunicorn sync worker serves its requests.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

HOST = "127.0.0.1"
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Any]


class ServerError(Exception):
    """The ASGI server could not start or stop; the message names the port and the fix."""


@dataclass
class Server:
    """A running server: where it listens, and what the application raised past Django's
    handler (an exception while streaming a body never becomes a 500 response)."""

    port: int
    errors: list[dict[str, str]] = field(default_factory=list)
    # Requests the application has not finished with (Django's handler goes on after the
    # response is sent: request_finished, then ending the request's thread).
    active: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait, at most ``timeout`` seconds, until no request is being handled."""
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self.active


def _recording(app: ASGIApp, server: Server) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Any, send: Any) -> None:
        server.active += 1
        try:
            await app(scope, receive, send)
        except Exception as exc:
            server.errors.append(
                {
                    "path": scope.get("path", ""),
                    "type": type(exc).__name__,
                    "message": str(exc)[:500],
                    "stack": "".join(traceback.format_exception(exc))[-2000:],
                }
            )
            raise
        finally:
            server.active -= 1

    return wrapped


def _listen(port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
    except OSError as exc:
        listener.close()
        raise ServerError(
            f"cannot listen on {HOST}:{port} ({exc.strerror}). Fix: free that port, or pass "
            "port=0 to let the system pick a free one."
        ) from exc
    listener.listen(128)
    return listener


@contextmanager
def serving(
    app: ASGIApp,
    *,
    port: int = 0,
    lifespan: str = "off",
    start_timeout: float = 10.0,
    stop_timeout: float = 10.0,
) -> Iterator[Server]:
    """Serve ``app`` with uvicorn on loopback for the ``with`` block, then stop it.

    ``lifespan="on"`` for an application with start-up work (Django's handler has none).

    Raises ``ServerError`` when the server does not listen within ``start_timeout`` seconds, or
    is still running ``stop_timeout`` seconds after it was asked to stop (then its thread is
    named: a daemon thread, it cannot outlive the process).
    """
    listener = _listen(port)
    running = Server(port=listener.getsockname()[1])
    config = uvicorn.Config(
        _recording(app, running),
        log_level="warning",
        access_log=False,
        lifespan=lifespan,
        # Bounded waits on both ends: no request may keep the server from stopping.
        timeout_keep_alive=1,
        timeout_graceful_shutdown=int(stop_timeout / 2) or 1,
    )
    server = uvicorn.Server(config)
    failure: list[BaseException] = []
    serving_task: list[tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]] = []

    async def serve() -> None:
        # Kept, so that a server stuck before it listens (a start-up that never ends, where
        # should_exit is never looked at) can still be stopped by cancelling it.
        serving_task.append((asyncio.get_running_loop(), asyncio.current_task()))
        await server.serve(sockets=[listener])

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as exc:  # uvicorn exits with SystemExit on start-up errors
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"asgi-server-{running.port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive():
                detail = f"{type(failure[0]).__name__}: {failure[0]}" if failure else "it exited"
                raise ServerError(
                    f"the ASGI server on {running.url} stopped while starting ({detail}). "
                    "Fix: see the uvicorn log above; check that the application imports."
                )
            if time.monotonic() > deadline:
                raise ServerError(
                    f"the ASGI server on {running.url} did not start within {start_timeout:g} s."
                    " Fix: check the application's start-up (lifespan) and the machine's load."
                )
            time.sleep(0.01)
        yield running
    finally:
        server.should_exit = True
        thread.join(stop_timeout)
        if thread.is_alive():
            server.force_exit = True
            for loop, task in serving_task:
                loop.call_soon_threadsafe(task.cancel)
            thread.join(stop_timeout)
        listener.close()
        if thread.is_alive():
            raise ServerError(
                f"the ASGI server on {running.url} (thread {thread.name}) did not stop within "
                f"{2 * stop_timeout:g} s of being asked to. Fix: a request it serves never "
                "ends; look for a view or a load without a bound."
            )


class _QuietHandler(WSGIRequestHandler):
    """Django's request handler without its access log: the checks keep every exchange."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving_wsgi(
    app: Callable[..., Any], *, port: int = 0, stop_timeout: float = 10.0
) -> Iterator[Server]:
    """Serve the WSGI ``app`` with Django's own server (``runserver --nothreading``'s) on
    loopback for the ``with`` block, then stop it.

    One thread serves every request in turn, as a gunicorn sync worker does, so persistent
    connections behave as Django's docs describe them for sync code: one per thread, reused.
    (The threaded server ``runserver`` uses by default closes every connection after each
    request, which would hide what ``CONN_MAX_AGE`` does.) It answers with ``Connection:
    close``, so no client can hold it. Raises ``ServerError`` when it cannot listen or stop.
    """
    try:
        httpd = WSGIServer((HOST, port), _QuietHandler, allow_reuse_address=True)
    except OSError as exc:
        raise ServerError(
            f"cannot listen on {HOST}:{port} ({exc.strerror}). Fix: free that port, or pass "
            "port=0 to let the system pick a free one."
        ) from exc
    httpd.set_app(app)
    running = Server(port=httpd.server_address[1])
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
        name=f"wsgi-server-{running.port}", daemon=True,
    )  # fmt: skip
    thread.start()
    try:
        yield running
    finally:
        # shutdown() waits, unbounded, for the request being served: asked from a thread of
        # its own, so the wait here stays bounded.
        threading.Thread(target=httpd.shutdown, daemon=True).start()
        thread.join(stop_timeout)
        httpd.server_close()
        if thread.is_alive():
            raise ServerError(
                f"the WSGI server on {running.url} (thread {thread.name}) did not stop within "
                f"{stop_timeout:g} s of being asked to. Fix: a request it serves never ends."
            )
