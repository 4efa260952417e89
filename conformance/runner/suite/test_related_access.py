"""Lazy forward foreign-key access in a coroutine (reference: "4. Related Object Access")."""

from __future__ import annotations

import pytest

from conformance.runner.suite.pattern_fixtures import pattern_or_workaround
from testapp.models import Article


@pytest.mark.conformance(
    feature="pattern.lazy-forward-fk",
)
def test_lazy_forward_fk_access_in_a_coroutine(conformance, articles):
    async def direct():
        article = await Article.objects.aget(slug="article-1")
        return article.author.name

    conformance.record(pattern_or_workaround(conformance, "pattern.lazy-forward-fk", direct))
