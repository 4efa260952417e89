"""Generated values written as the code that builds them, for the evidence's "code that ran".

Issue #15, part 5 ("the real call with its values"): the property checks' calls read as code a
user can paste, so the source of a value must build that same value again.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from conformance.runner.suite.calls import keywords, source

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False, places=6),
    st.datetimes(timezones=st.just(datetime.UTC)),
)
conditions = st.builds(
    lambda lookup, value: Q(**{lookup: value}),
    st.sampled_from(["number__gte", "label__contains", "flag", "note__isnull"]),
    values,
)
trees = st.recursive(
    conditions,
    lambda inner: st.one_of(
        st.builds(lambda a, b: a | b, inner, inner),
        st.builds(lambda a, b: a & b, inner, inner),
        st.builds(lambda a, b: a ^ b, inner, inner),
        st.builds(lambda a: ~a, inner),
    ),
    max_leaves=6,
)
NAMES = {"Q": Q, "Decimal": Decimal, "datetime": datetime, "inf": float("inf")}


@given(trees)
def test_a_q_tree_is_written_as_the_expression_that_builds_it(q: Q) -> None:
    assert eval(source(q), NAMES) == q


@given(st.dictionaries(st.sampled_from(["label", "note", "number"]), values | st.lists(values)))
def test_keywords_build_the_same_arguments(arguments: dict) -> None:
    assert eval(f"dict({keywords(arguments)})", NAMES) == arguments


def test_a_negated_alternative_keeps_its_parentheses() -> None:
    assert source(~(Q(flag=True) | Q(number__gte=0))) == "~(Q(flag=True) | Q(number__gte=0))"


def test_a_nested_alternative_inside_a_conjunction_is_parenthesised() -> None:
    assert source((Q(flag=True) | Q(note=None)) & Q(number__gte=1)) == (
        "(Q(flag=True) | Q(note=None)) & Q(number__gte=1)"
    )
