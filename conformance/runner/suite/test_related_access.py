"""Lazy forward foreign-key access in a coroutine (reference: "4. Related Object Access")."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from conformance.runner import probe
from testapp.models import Article


@pytest.mark.conformance(
    feature="pattern.lazy-forward-fk",
)
def test_lazy_forward_fk_access_in_a_coroutine(conformance, articles):
    async def direct():
        article = await Article.objects.aget(slug="article-1")
        return article.author.name

    async def wrapped():
        article = await Article.objects.aget(slug="article-1")
        return await sync_to_async(lambda: article.author.name)()

    conformance.record(probe.pattern(direct, wrapped))
