"""QuerySet.aget, acount, acreate and ``async for``, each against its sync twin.

Reference: "Available Async Methods" (all four are claimed for Django 4.1+).
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db.models import Q, QuerySet
from hypothesis import given
from hypothesis import strategies as st

from conformance import probe
from testapp.models import Article, Record

REF = "available-async-methods"

AGET_LOOKUPS = {
    "one-match": {"slug": "article-1"},
    "no-match": {"slug": "missing"},
    "several-matches": {"status": "published"},
}


@pytest.mark.conformance(feature="queryset.aget", ref=REF, claims=["available-4.1.aget"])
@pytest.mark.parametrize("lookup", AGET_LOOKUPS.values(), ids=AGET_LOOKUPS.keys())
def test_aget_matches_get(conformance, articles, lookup):
    async def aget():
        return await Article.objects.aget(**lookup)

    conformance.record(
        probe.method(
            QuerySet, "aget", aget, lambda: Article.objects.get(**lookup), example=repr(lookup)
        )
    )


statuses = st.sampled_from(["published", "draft", "archived", ""])
filters = st.one_of(
    st.builds(lambda status: Q(status=status), statuses),
    st.builds(lambda views: Q(views__gte=views), st.integers(-(2**31), 2**31 - 1)),
    st.builds(lambda text: Q(title__contains=text), st.text(max_size=5)),
    st.builds(lambda a, b: a | b, st.just(Q(status="draft")), st.just(Q(views__lt=15))),
)


@pytest.mark.conformance(feature="queryset.acount", ref=REF, claims=["available-4.1.acount"])
@given(condition=filters)
def test_acount_matches_count(conformance, articles, condition):
    async def acount():
        return await Article.objects.filter(condition).acount()

    conformance.record(
        probe.method(
            QuerySet,
            "acount",
            acount,
            lambda: Article.objects.filter(condition).count(),
            example=repr(condition),
        )
    )


# Text without NUL (PostgreSQL refuses it in text columns, on both paths alike).
texts = st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=200)
records = st.fixed_dictionaries(
    {
        "label": texts,
        "note": st.none() | texts,
        "number": st.integers(-(2**63), 2**63 - 1),
        "ratio": st.none() | st.floats(allow_nan=False, allow_infinity=False),
        "amount": st.none()
        | st.decimals(
            min_value=Decimal("-99999999999999"),
            max_value=Decimal("99999999999999"),
            places=6,
            allow_nan=False,
            allow_infinity=False,
        ),
        "happened_at": st.none() | st.datetimes(timezones=st.just(UTC)),
        "flag": st.booleans(),
    }
)


@pytest.mark.conformance(feature="queryset.acreate", ref=REF, claims=["available-4.1.acreate"])
@given(values=records)
def test_acreate_matches_create(conformance, db, values):
    async def acreate():
        return await Record.objects.acreate(**values)

    conformance.record(
        probe.method(
            QuerySet,
            "acreate",
            acreate,
            lambda: Record.objects.create(**values),
            tables=(Record,),
            example=repr(values),
        )
    )


ORDERINGS = {"by-pk": ("pk",), "by-views-desc": ("-views",), "by-status-title": ("status", "title")}


@pytest.mark.conformance(feature="queryset.async-for", ref=REF, claims=["available-4.1.async-for"])
@pytest.mark.parametrize("ordering", ORDERINGS.values(), ids=ORDERINGS.keys())
def test_async_for_matches_list(conformance, articles, ordering):
    async def iterate():
        return [article async for article in Article.objects.order_by(*ordering)]

    conformance.record(
        probe.method(
            QuerySet,
            "__aiter__",
            iterate,
            lambda: list(Article.objects.order_by(*ordering)),
            example=repr(ordering),
        )
    )


@pytest.mark.conformance(
    feature="pattern.lazy-forward-fk",
    ref="4-related-object-access",
    claims=["limitation.related-object-access"],
)
def test_lazy_forward_fk_access_in_a_coroutine(conformance, articles):
    async def direct():
        article = await Article.objects.aget(slug="article-1")
        return article.author.name

    async def wrapped():
        article = await Article.objects.aget(slug="article-1")
        return await sync_to_async(lambda: article.author.name)()

    conformance.record(probe.pattern(direct, wrapped))
