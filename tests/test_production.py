"""The production checks' own parts: the ASGI server starts, stops and fails clearly; the
measures can fail (a serialised server, a leaked connection); the report shows the figures."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import textwrap
import time

import httpx
import pytest

from conformance.report.merge import merge
from conformance.report.production import section
from conformance.report.render import render_markdown
from conformance.runner.database import URL_ENV
from conformance.runner.server import ServerError, serving, serving_wsgi
from tests.report_data import page_markup
from tests.session_data import check, session
from tests.test_faults import server  # noqa: F401 - the throwaway PostgreSQL, when none is set


async def hello(scope, receive, send) -> None:
    """The smallest ASGI application: 200, "hello"."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


async def never_answers(scope, receive, send) -> None:
    await asyncio.sleep(3600)


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_a_served_application_answers_over_http_and_its_port_is_freed_after():
    with serving(hello) as running:
        assert httpx.get(running.url, timeout=5).text == "hello"
        assert not _port_is_free(running.port)
    assert _port_is_free(running.port)


def hello_wsgi(environ, start_response):
    """The smallest WSGI application: 200, "hello"."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]


def test_a_served_wsgi_application_answers_over_http_and_stops_listening_after():
    with serving_wsgi(hello_wsgi) as running:
        assert httpx.get(running.url, timeout=5).text == "hello"
    # (the server closed the exchange's connection first, so its port waits in TIME_WAIT: a
    # refused connection, not a free port, says the listener is gone)
    with pytest.raises(httpx.ConnectError):
        httpx.get(running.url, timeout=5)


def test_a_busy_port_is_a_clear_error_naming_the_port_and_the_fix():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerError, match=rf"cannot listen on 127\.0\.0\.1:{port}.*Fix"):
            serving(hello, port=port).__enter__()


async def never_starts(scope, receive, send) -> None:
    """An application whose start-up (ASGI lifespan) never completes."""
    await receive()
    await asyncio.sleep(3600)


def test_a_server_that_does_not_start_in_time_is_a_clear_error_and_is_stopped():
    with pytest.raises(ServerError, match=r"did not start within 0.5 s.*Fix") as raised:
        serving(never_starts, lifespan="on", start_timeout=0.5, stop_timeout=1).__enter__()
    port = int(str(raised.value).split("127.0.0.1:")[1].split(" ")[0])
    assert _port_is_free(port)


def test_a_request_that_never_ends_does_not_keep_the_server_from_stopping():
    started = time.monotonic()
    with serving(never_answers, stop_timeout=2) as running, pytest.raises(httpx.ReadTimeout):
        httpx.get(running.url, timeout=0.2)
    assert time.monotonic() - started < 6
    assert _port_is_free(running.port)


# --- the measures can fail --------------------------------------------------------------------

CRAFTED = textwrap.dedent(
    """
    import asyncio

    import pytest
    from django.core.signals import request_finished
    from django.db import close_old_connections

    from conformance.runner.server import serving
    from conformance.runner.suite.test_connections import _load, _outcome
    from conformance.runner.suite.test_queries_in_flight import (  # noqa: F401
        in_flight,
        test_concurrent_requests_run_their_queries_at_once,
    )
    from testapp.asgi import application


    def serialised(app):
        lock = asyncio.Lock()

        async def one_at_a_time(scope, receive, send):
            async with lock:
                await app(scope, receive, send)

        return one_at_a_time


    @pytest.fixture(scope="session")
    def asgi_serving(django_db_setup):
        with serving(serialised(application)) as server:
            yield server


    @pytest.fixture
    def asgi_server(asgi_serving):
        return asgi_serving


    @pytest.fixture
    def leaking():
        request_finished.disconnect(close_old_connections)
        yield
        request_finished.connect(close_old_connections)


    @pytest.mark.conformance(feature="production.connections.max-age-0")
    def test_leaked(conformance, asgi_server, db, leaking):
        found = _load(asgi_server, {"conn_max_age": 0, "health_checks": False}, limit=0)
        conformance.record(_outcome(found, limit=0, promise="closes at each request's end"))


    @pytest.mark.conformance(feature="production.connections.max-age-0-health-checks")
    def test_closed(conformance, asgi_server, db):
        found = _load(asgi_server, {"conn_max_age": 0, "health_checks": True}, limit=0)
        conformance.record(_outcome(found, limit=0, promise="closes at each request's end"))
    """
)


@pytest.fixture(scope="module")
def postgresql_url(request) -> str:
    """The user's PostgreSQL when CONFORMANCE_DATABASE_URL is set, else a throwaway one."""
    return os.environ.get(URL_ENV) or request.getfixturevalue("server")["url"]


@pytest.fixture(scope="module")
def crafted_run(tmp_path_factory, postgresql_url):
    from tests.conftest import run_suite_in

    directory = tmp_path_factory.mktemp("production")
    (directory / "test_crafted.py").write_text(CRAFTED)
    return run_suite_in(
        directory, "test_crafted.py", backend="postgresql", env={URL_ENV: postgresql_url}
    )


def test_a_serialised_server_is_reported_running_one_query_at_a_time(crafted_run):
    found = crafted_run.feature("production.in-flight.requests")
    assert found["verdict"] == "unsupported", crafted_run.output
    assert "at most 1 query in flight" in found["notes"][0]


def test_a_leaked_connection_is_reported_as_diverging(crafted_run):
    found = crafted_run.feature("production.connections.max-age-0")
    assert found["verdict"] == "diverges", crafted_run.output
    assert "4 connection(s) open" in found["notes"][0]


def test_a_leak_on_both_paths_says_the_sync_path_leaks_too(crafted_run):
    found = crafted_run.feature("production.connections.max-age-0")
    assert "the sync path too: under WSGI" in found["notes"][0], crafted_run.output


def test_connections_are_counted_for_the_sync_twin_over_wsgi_beside_the_async_ones(crafted_run):
    feature = "production.connections.max-age-0-health-checks"
    (check_,) = [c for c in crafted_run.results["checks"] if c["feature"] == feature]
    evidence = check_["evidence"]
    wsgi = evidence["measurements"]["connections"]["wsgi"]
    assert (wsgi["open_after_sequential"], wsgi["open_after_concurrent"], wsgi["failed"]) == (
        0,
        0,
        [],
    )
    assert evidence["sync_twin"]["repr"].startswith("WSGI: after 4 sequential requests 0")


def test_connections_closed_at_request_end_are_native(crafted_run):
    found = crafted_run.feature("production.connections.max-age-0-health-checks")
    assert found["verdict"] == "native", crafted_run.output


# --- the report section -----------------------------------------------------------------------

IN_FLIGHT = {
    "gather": [{"n": n, "max_in_flight": 1, "seconds": 0.1, "failed": []} for n in (1, 2, 4, 8)],
    "threads": [{"n": n, "max_in_flight": n, "seconds": 0.1, "failed": []} for n in (1, 2, 4, 8)],
}


def _sessions(directory) -> None:
    document = session("django-5.2-postgresql", {})
    checks = [
        check(
            "production.view.detail-lazy-fk",
            "needs-sync-to-async",
            notes=["GET /articles/1/ failed: SynchronousOnlyOperation: <b>async</b>"],
        ),
        check(
            "production.in-flight.gather",
            "needs-sync-to-async",
            evidence={
                "snippet": "gather",
                "observed": {"kind": "value", "repr": "1"},
                "measurements": {"in_flight": IN_FLIGHT, "peak_in_flight": 1},
            },
        ),
        check(
            "production.connections.max-age-60",
            "diverges",
            evidence={
                "snippet": "one_query",
                "observed": {"kind": "value", "repr": "leak"},
                "measurements": {
                    "connections": {
                        "m": 4,
                        "settings": {"conn_max_age": 60},
                        "open_after_sequential": 4,
                        "open_after_concurrent": 8,
                        "wsgi": {
                            "server": "WSGI",
                            "open_after_sequential": 1,
                            "open_after_concurrent": 1,
                            "failed": [],
                        },
                    }
                },
            },
        ),
    ]
    document["checks"] = checks
    document["features"] = {
        c["feature"]: {"verdict": c["verdict"], "checks": [c["id"]], "notes": c["notes"]}
        for c in checks
    }
    (directory / "django-5.2-postgresql.json").write_text(json.dumps(document))


def test_the_section_reads_views_chart_and_connections_from_the_results(tmp_path):
    _sessions(tmp_path)
    (found,) = section(merge(tmp_path))
    assert found["id"] == "django-5.2-postgresql"
    assert [row["verdict"] for row in found["views"]] == ["needs-sync-to-async"]
    assert {line["name"]: line["text"] for line in found["chart"]["lines"]} == {
        "gather": "N=1: 1, N=2: 1, N=4: 1, N=8: 1",
        "threads": "N=1: 1, N=2: 2, N=4: 4, N=8: 8",
    }
    (row,) = found["connections"]
    assert (row["after_sequential"], row["after_concurrent"], row["m"]) == (4, 8, 4)
    assert (row["wsgi"]["after_sequential"], row["wsgi"]["after_concurrent"]) == (1, 1)


def test_the_page_shows_each_connection_count_beside_the_sync_twins_over_wsgi(tmp_path):
    _sessions(tmp_path)
    page = page_markup(merge(tmp_path))
    production = page[page.index('<section id="production">') :]
    assert "<td>ASGI 4 · WSGI 1</td><td>ASGI 8 · WSGI 1</td>" in production


def test_the_page_shows_the_section_with_its_chart_and_escapes_notes(tmp_path):
    _sessions(tmp_path)
    page = page_markup(merge(tmp_path))
    production = page[page.index('<section id="production">') :]
    production = production[: production.index("</section>")]
    assert "<svg" in production
    assert "polyline" in production
    assert "asyncio.gather in one request: N=1: 1, N=2: 1, N=4: 1, N=8: 1" in production
    assert "&lt;b&gt;async&lt;/b&gt;" in production
    assert 'href="#production.connections.max-age-60--django-5.2-postgresql"' in production


def test_a_report_without_production_checks_says_so(tmp_path):
    (tmp_path / "django-5.2-sqlite.json").write_text(
        json.dumps(session("django-5.2-sqlite", {"queryset.aget": "native"}))
    )
    assert section(merge(tmp_path)) == []
    assert "No cell measured the production checks." in page_markup(merge(tmp_path))


def test_the_summary_gives_each_cells_figures_in_a_line(tmp_path):
    _sessions(tmp_path)
    summary = render_markdown(merge(tmp_path))
    assert (
        "**django-5.2-postgresql**: most in flight at N=8: gather 1, threads 8; connections "
        "open after 4 sequential requests: max-age-60 4 (WSGI 1)"
    ) in summary
