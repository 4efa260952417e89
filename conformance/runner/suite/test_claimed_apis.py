"""APIs the reference claims that may not exist: absent where missing, else against the twin.

Reference: "Django 5.1+" (``values(...).alist()``, ``values_list(..., flat=True).alist()``) and
"Basic Queries" (``filter(...).alist()``).
"""

from __future__ import annotations

import pytest
from django.db.models import QuerySet

from conformance.runner import probe
from testapp.models import Article

QUERYSETS = {
    "filter": lambda: Article.objects.filter(status="published"),
    "values": lambda: Article.objects.values("title", "status"),
    "values-list-flat": lambda: Article.objects.values_list("title", flat=True),
}


@pytest.mark.conformance(feature="queryset.alist")
@pytest.mark.parametrize("make", QUERYSETS.values(), ids=QUERYSETS.keys())
def test_alist_exists_and_matches_list(conformance, articles, make):
    async def alist():
        return await make().alist()

    outcome = probe.absent(QuerySet, "alist") or probe.differential(alist, lambda: list(make()))
    conformance.record(outcome)
