"""Property tests: QuerySet async methods against their sync twins on generated data.

Hypothesis generates the rows (unicode, empty and long text, nulls, extreme integers, floats,
decimals, aware datetimes) and the arguments (filters and Q objects, orderings, slices,
``defaults``/``create_defaults``, ``batch_size``, conflicts, ``update_fields``, ``chunk_size``).
Each example seeds the table in a rolled-back savepoint, then runs the sync twin and the async
method from that same state; a divergence fails with Hypothesis' shrunk example as evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db.models import Q, QuerySet
from hypothesis import given
from hypothesis import strategies as st

from conformance.runner import probe
from conformance.runner.suite.calls import keywords, source
from testapp.models import Record, Tag

texts = st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=60)
labels = texts | st.just("x" * 200)  # CharField(max_length=200): the longest that fits
long_texts = texts | st.just("x" * 5000)
row_values = st.fixed_dictionaries(
    {
        "label": labels,
        "note": st.none() | long_texts,
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
rows = st.lists(row_values, max_size=6)
leaf_filters = st.one_of(
    st.builds(lambda n: Q(number__gte=n), st.integers(-(2**63), 2**63 - 1)),
    st.builds(lambda t: Q(label__contains=t), st.text(max_size=2)),
    st.builds(lambda b: Q(flag=b), st.booleans()),
    st.builds(lambda b: Q(note__isnull=b), st.booleans()),
    st.builds(lambda x: Q(ratio__lt=x), st.floats(allow_nan=False, allow_infinity=False)),
)
filters = st.recursive(
    leaf_filters,
    lambda inner: st.one_of(
        st.builds(lambda a, b: a | b, inner, inner),
        st.builds(lambda a, b: a & b, inner, inner),
        st.builds(lambda a: ~a, inner),
    ),
    max_leaves=3,
)
orderings = st.sampled_from([("pk",), ("-number", "pk"), ("label", "pk"), ("flag", "-pk")])
slices = st.one_of(st.none(), st.tuples(st.integers(0, 3), st.integers(0, 6)))


def selection(condition: Q, ordering: tuple[str, ...], window) -> QuerySet:
    queryset = Record.objects.filter(condition).order_by(*ordering)
    return queryset[window[0] : window[1]] if window else queryset


def selection_text(condition: Q, ordering: tuple[str, ...], window) -> str:
    """``selection`` as the code that builds it, with its values."""
    text = f"Record.objects.filter({source(condition)}).order_by({', '.join(map(repr, ordering))})"
    return f"{text}[{window[0]}:{window[1]}]" if window else text


def on_seeded_rows(
    seed: list[dict[str, Any]],
    name: str,
    async_call: Callable[[], Any],
    sync_call: Callable[[], Any],
    **evidence: str,
) -> probe.Outcome:
    """The differential of ``QuerySet.<name>``, both runs starting from the generated rows."""
    with probe.rolled_back():
        Record.objects.bulk_create([Record(**values) for values in seed])
        return probe.method(QuerySet, name, async_call, sync_call, tables=(Record,), **evidence)


async def _collect(iterable) -> list[Any]:
    return [item async for item in iterable]


# What the code of a generated example starts from.
SEEDING = "# on the example's rows, in a savepoint rolled back afterwards\n"

# Reading methods: feature -> (name, async form, sync form, the async form as code) over a
# selection; the code's "{qs}" is the selection's, "{chunk}" the chunk size.
Form = Callable[[QuerySet, Any], Any]
READS: dict[str, tuple[str, Form, Form, str]] = {
    "queryset.acount": ("acount", lambda qs, _: qs.acount(), lambda qs, _: qs.count(),
                        "await {qs}.acount()"),
    "queryset.aexists": ("aexists", lambda qs, _: qs.aexists(), lambda qs, _: qs.exists(),
                         "await {qs}.aexists()"),
    "queryset.afirst": ("afirst", lambda qs, _: qs.afirst(), lambda qs, _: qs.first(),
                        "await {qs}.afirst()"),
    "queryset.alast": ("alast", lambda qs, _: qs.alast(), lambda qs, _: qs.last(),
                       "await {qs}.alast()"),
    "queryset.aget": ("aget", lambda qs, _: qs.aget(), lambda qs, _: qs.get(),
                      "await {qs}.aget()"),
    "queryset.async-for": ("__aiter__", lambda qs, _: _collect(qs), lambda qs, _: list(qs),
                           "[row async for row in {qs}]"),
    "queryset.aiterator": (
        "aiterator",
        lambda qs, chunk: _collect(qs.aiterator(chunk_size=chunk)),
        lambda qs, chunk: list(qs.iterator(chunk_size=chunk)),
        "[row async for row in {qs}.aiterator(chunk_size={chunk})]",
    ),
    "queryset.ain_bulk": ("ain_bulk", lambda qs, _: qs.ain_bulk(), lambda qs, _: qs.in_bulk(),
                          "await {qs}.ain_bulk()"),
}  # fmt: skip


@pytest.mark.parametrize(
    "feature",
    [pytest.param(f, marks=pytest.mark.conformance(feature=f)) for f in READS],
)
@given(
    seed=rows,
    condition=filters,
    ordering=orderings,
    window=slices,
    chunk=st.integers(1, 3) | st.none(),
)
def test_reading_method_matches_its_twin_on_generated_data(
    conformance, db, feature, seed, condition, ordering, window, chunk
):
    name, async_form, sync_form, text = READS[feature]
    # A chunk size is required for prefetching iterators on old releases; None means default.
    chunk = chunk or 2000
    call = text.format(qs=selection_text(condition, ordering, window), chunk=chunk)

    async def run():
        return await async_form(selection(condition, ordering, window), chunk)

    conformance.record(
        on_seeded_rows(
            seed,
            name,
            run,
            lambda: sync_form(selection(condition, ordering, window), chunk),
            example=f"{call}  # on the rows {source(seed)}",
            code=SEEDING + call,
        ),
        shrink=True,
    )


def _records(values: list[dict[str, Any]]) -> list[Record]:
    return [Record(**item) for item in values]


def _retouched(fields: list[str], delta: int) -> tuple[list[Record], list[str]]:
    found = list(Record.objects.order_by("pk"))
    for row in found:
        row.number = (row.number // 2) + delta
        row.label = row.label[::-1]
        row.flag = not row.flag
    return found, fields


async def _abulk_update_retouched(arguments: dict[str, Any]) -> int:
    # The rows to update are read on the test thread, as a coroutine must.
    found, fields = await sync_to_async(_retouched)(arguments["fields"], arguments["delta"])
    return await Record.objects.abulk_update(found, fields, batch_size=arguments["batch_size"])


def _rows_text(values: list[dict[str, Any]]) -> str:
    return f"[{', '.join(f'Record({keywords(row)})' for row in values)}]"


def _create_defaults(a: dict[str, Any]) -> dict[str, Any]:
    return {"create_defaults": a["create_defaults"]} if a["create_defaults"] else {}


# Writing methods: feature -> (name, strategy of arguments, async form, sync form, the async form
# as code).
WRITES: dict[
    str, tuple[str, st.SearchStrategy, Callable[..., Any], Callable[..., Any], Callable[..., str]]
] = {
    "queryset.abulk_create": (
        "abulk_create",
        st.fixed_dictionaries(
            {"rows": rows, "batch_size": st.none() | st.integers(1, 3),
             "ignore_conflicts": st.booleans()}
        ),
        lambda a: Record.objects.abulk_create(
            _records(a["rows"]), batch_size=a["batch_size"], ignore_conflicts=a["ignore_conflicts"]
        ),
        lambda a: Record.objects.bulk_create(
            _records(a["rows"]), batch_size=a["batch_size"], ignore_conflicts=a["ignore_conflicts"]
        ),
        lambda a: f"await Record.objects.abulk_create({_rows_text(a['rows'])}, "
        f"batch_size={a['batch_size']!r}, ignore_conflicts={a['ignore_conflicts']!r})",
    ),
    "queryset.abulk_update": (
        "abulk_update",
        st.fixed_dictionaries(
            {"fields": st.lists(st.sampled_from(["number", "label", "flag"]), min_size=1,
                                max_size=3, unique=True),
             "batch_size": st.none() | st.integers(1, 3), "delta": st.integers(-5, 5)}
        ),
        _abulk_update_retouched,
        lambda a: Record.objects.bulk_update(
            *_retouched(a["fields"], a["delta"]), batch_size=a["batch_size"]
        ),
        lambda a: f"rows = [...]  # every row, number // 2 + {a['delta']}, label reversed, flag "
        f"negated\nawait Record.objects.abulk_update(rows, {a['fields']!r}, "
        f"batch_size={a['batch_size']!r})",
    ),
    "queryset.aupdate": (
        "aupdate",
        st.fixed_dictionaries({"condition": filters, "values": row_values}),
        lambda a: Record.objects.filter(a["condition"]).aupdate(**a["values"]),
        lambda a: Record.objects.filter(a["condition"]).update(**a["values"]),
        lambda a: f"await Record.objects.filter({source(a['condition'])})"
        f".aupdate({keywords(a['values'])})",
    ),
    "queryset.adelete": (
        "adelete",
        st.fixed_dictionaries({"condition": filters}),
        lambda a: Record.objects.filter(a["condition"]).adelete(),
        lambda a: Record.objects.filter(a["condition"]).delete(),
        lambda a: f"await Record.objects.filter({source(a['condition'])}).adelete()",
    ),
    "queryset.aget_or_create": (
        "aget_or_create",
        st.fixed_dictionaries({"label": labels, "defaults": row_values}),
        lambda a: Record.objects.aget_or_create(label=a["label"], defaults=a["defaults"]),
        lambda a: Record.objects.get_or_create(label=a["label"], defaults=a["defaults"]),
        lambda a: f"await Record.objects.aget_or_create({keywords(a)})",
    ),
    "queryset.aupdate_or_create": (
        "aupdate_or_create",
        st.fixed_dictionaries(
            {"label": labels, "defaults": row_values,
             "create_defaults": st.none() | st.fixed_dictionaries({"number": st.integers(0, 9)})}
        ),
        lambda a: Record.objects.aupdate_or_create(
            label=a["label"], defaults=a["defaults"], **_create_defaults(a)
        ),
        lambda a: Record.objects.update_or_create(
            label=a["label"], defaults=a["defaults"], **_create_defaults(a)
        ),
        lambda a: "await Record.objects.aupdate_or_create("
        f"{keywords({'label': a['label'], 'defaults': a['defaults']} | _create_defaults(a))})",
    ),
    "queryset.acreate": (
        "acreate",
        row_values,
        lambda a: Record.objects.acreate(**a),
        lambda a: Record.objects.create(**a),
        lambda a: f"await Record.objects.acreate({keywords(a)})",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    "feature",
    [pytest.param(f, marks=pytest.mark.conformance(feature=f)) for f in WRITES],
)
@given(seed=rows, data=st.data())
def test_writing_method_matches_its_twin_on_generated_data(conformance, db, feature, seed, data):
    name, arguments, async_form, sync_form, text = WRITES[feature]
    drawn = data.draw(arguments, label="arguments")
    call = text(drawn)

    async def run():
        return await async_form(drawn)

    conformance.record(
        on_seeded_rows(
            seed,
            name,
            run,
            lambda: sync_form(drawn),
            example=f"{call}  # on the rows {source(seed)}",
            code=SEEDING + call,
        ),
        shrink=True,
    )


tag_names = st.sampled_from(["python", "django", "async", "orm"])


@pytest.mark.conformance(feature="queryset.abulk_create")
@given(
    names=st.lists(tag_names, min_size=1, max_size=4, unique=True),
    batch_size=st.none() | st.integers(1, 2),
)
def test_abulk_create_update_conflicts_matches_bulk_create(conformance, db, names, batch_size):
    def objects() -> list[Tag]:
        return [Tag(name=name, slug=f"{name}-new") for name in names]

    options = {
        "update_conflicts": True,
        "unique_fields": ["name"],
        "update_fields": ["slug"],
        "batch_size": batch_size,
    }

    async def run():
        return await Tag.objects.abulk_create(objects(), **options)

    tags = ", ".join(f"Tag(name={name!r}, slug={name + '-new'!r})" for name in names)
    call = f"await Tag.objects.abulk_create([{tags}], {keywords(options)})"

    with probe.rolled_back():
        Tag.objects.bulk_create([Tag(name="python", slug="old"), Tag(name="orm", slug="old")])
        outcome = probe.method(
            QuerySet,
            "abulk_create",
            run,
            lambda: Tag.objects.bulk_create(objects(), **options),
            tables=(Tag,),
            example=f"{call}  # on Tag(name='python'), Tag(name='orm')",
            code=f"# on Tag(name='python', slug='old'), Tag(name='orm', slug='old')\n{call}",
        )
    conformance.record(outcome, shrink=True)
