"""Async views that use the ORM as an application does, called over HTTP on a real ASGI server.

Issue #13, part 1. The views (``testapp/views.py``) run in uvicorn's event loop, in the threads
Django's ASGI handler gives each request, on their own connections; so the rows they read are
committed first (``transactional_db``), and what they answer is compared with what the sync ORM
says on the test thread. Evidence: each HTTP exchange (status, body excerpt, the server-side
exception, e.g. ``SynchronousOnlyOperation``).
"""

from __future__ import annotations

import pytest

from conformance.runner import asgi
from testapp import views
from testapp.models import Article, AuditLog, Author, Comment, Tag

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.mark.conformance(feature="production.view.list-select-related")
def test_list_view_iterates_select_related_with_async_for(conformance, asgi_server, articles):
    expected = {
        "articles": [
            {"title": a.title, "author": a.author.name}
            for a in Article.objects.select_related("author").order_by("pk")
        ]
    }
    direct = asgi.request(asgi_server, "GET", "/articles/")
    conformance.record(
        asgi.view_outcome(asgi.snippets(views.article_list), direct, expected=expected)
    )


@pytest.mark.conformance(feature="production.view.detail-lazy-fk")
def test_detail_view_reads_a_lazy_foreign_key(conformance, asgi_server, articles):
    first = articles[0]
    expected = {"title": first.title, "author": first.author.name}
    conformance.record(
        asgi.view_outcome(
            asgi.snippets(views.article_detail, views.article_detail_wrapped),
            asgi.request(asgi_server, "GET", f"/articles/{first.pk}/"),
            wrapped=asgi.request(asgi_server, "GET", f"/articles/{first.pk}/wrapped/"),
            expected=expected,
        )
    )


@pytest.mark.conformance(feature="production.view.create-m2m")
def test_create_view_adds_a_tag_with_aadd(conformance, asgi_server, articles):
    payload = {"title": "Created over HTTP", "tag": "python"}
    direct = asgi.request(asgi_server, "POST", "/articles/create/", payload | {"slug": "direct"})
    wrapped = asgi.request(
        asgi_server, "POST", "/articles/create/wrapped/", payload | {"slug": "wrapped"}
    )
    conformance.record(
        asgi.view_outcome(
            asgi.snippets(views.article_create, views.article_create_wrapped),
            direct,
            wrapped=wrapped,
            expected={"title": payload["title"], "tags": ["python"]},
            status=201,
        )
    )


@pytest.mark.conformance(feature="production.view.atomic-write")
def test_atomic_write_view_rolls_back_then_commits(conformance, asgi_server, articles):
    draft = articles[1]
    path = f"/articles/{draft.pk}/publish/"
    refused = asgi.request(asgi_server, "POST", path + "?fail=1")
    committed = asgi.request(asgi_server, "POST", path)
    snippet = asgi.snippets(views._publish, views.article_publish)
    # Rolled back: neither write of the refused request persists; then both of the next do.
    conformance.record(
        asgi.view_outcome(
            snippet,
            refused,
            expected={
                "status": "draft",
                "audit_logs": 0,
                "refused": f"publishing {draft.pk} refused after the writes",
            },
        )
    )
    conformance.record(
        asgi.view_outcome(
            snippet, committed, expected={"status": "published", "audit_logs": 1, "refused": None}
        )
    )
    conformance.annotate(rows_after={"audit_logs": AuditLog.objects.count()})


@pytest.mark.conformance(feature="production.view.streaming-aiterator")
def test_streaming_view_streams_rows_from_aiterator(conformance, asgi_server, articles):
    expected = "".join(f"{a.title}\n" for a in Article.objects.order_by("pk"))
    conformance.record(
        asgi.view_outcome(
            asgi.snippets(views._titles, views.article_stream, views._titles_sync),
            asgi.request(asgi_server, "GET", "/articles/stream/"),
            wrapped=asgi.request(asgi_server, "GET", "/articles/stream/wrapped/"),
            expected=expected,
        )
    )


@pytest.mark.conformance(feature="production.view.gather")
def test_dashboard_view_gathers_independent_queries(conformance, asgi_server, articles):
    expected = {
        "articles": Article.objects.count(),
        "authors": Author.objects.count(),
        "tags": Tag.objects.count(),
        "approved_comments": Comment.objects.filter(approved=True).count(),
    }
    direct = asgi.request(asgi_server, "GET", "/dashboard/")
    conformance.record(asgi.view_outcome(asgi.snippets(views.dashboard), direct, expected=expected))
