"""The reference's performance claims, measured in every cell, cheaply.

Reference: "Performance Considerations". The verdicts here are about behaviour only (did the
async calls run natively in a coroutine); the figures go into the evidence ``measurements`` and
the claims audit reports them against the reference's performance claims, and decides only
those whose bound the reference states ("faster than doing them sequentially"); "similar
performance" names no number, so its ratios are reported with their spread, not judged against
a threshold of the kit's. A timing never fails a run. Budget: well under 3 s a cell.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import pytest
from asgiref.sync import sync_to_async
from django.db.models import Avg, Count

from conformance.runner import measure
from conformance.runner.probe import rolled_back
from testapp.models import Article

CALLS, RUNS = 20, 5

# method -> (async call, sync twin), all reads of the ``articles`` fixture's rows.
METHODS = {
    "aget": (
        lambda: Article.objects.aget(slug="article-1"),
        lambda: Article.objects.get(slug="article-1"),
    ),
    "afirst": (lambda: Article.objects.afirst(), lambda: Article.objects.first()),
    "acount": (
        lambda: Article.objects.filter(status="published").acount(),
        lambda: Article.objects.filter(status="published").count(),
    ),
    "aexists": (
        lambda: Article.objects.filter(slug="article-2").aexists(),
        lambda: Article.objects.filter(slug="article-2").exists(),
    ),
    "aaggregate": (
        lambda: Article.objects.aaggregate(total=Count("id"), avg=Avg("views")),
        lambda: Article.objects.aggregate(total=Count("id"), avg=Avg("views")),
    ),
    "async-for": (
        lambda: _collect(Article.objects.filter(status="published")),
        lambda: list(Article.objects.filter(status="published")),
    ),
}


async def _collect(queryset):
    return [row async for row in queryset]


def _paired(async_samples: list[float], sync_samples: list[float]) -> list[float]:
    """The async/sync ratio of each run with the sync run timed next to it."""
    return [a / s for a, s in zip(async_samples, sync_samples, strict=True) if s > 0]


def _ratio(async_samples: list[float], sync_samples: list[float]) -> dict[str, float]:
    """The spread of the paired runs' async/sync ratios, and the ratio of the medians."""
    of_medians = statistics.median(async_samples) / statistics.median(sync_samples)
    spread = measure.spread(_paired(async_samples, sync_samples), digits=3)
    return spread | {"of_medians": round(of_medians, 3)}


@pytest.mark.conformance(
    feature="pattern.performance.async-overhead",
)
def test_async_methods_cost_about_what_their_sync_twins_cost(conformance, articles):
    """Per-call time of each common async method against its sync twin, same rows, same thread."""
    figures, failures, paired = {}, {}, []
    with rolled_back():
        for name, (async_call, sync_call) in METHODS.items():
            try:
                async_samples = measure.per_call_async(async_call, calls=CALLS, runs=RUNS)
            except Exception as exc:
                failures[name] = f"{type(exc).__name__}: {exc}"
                continue
            sync_samples = measure.per_call_sync(sync_call, calls=CALLS, runs=RUNS)
            paired += _paired(async_samples, sync_samples)
            figures[name] = {
                "async_s": measure.spread(async_samples),
                "sync_s": measure.spread(sync_samples),
                "ratio": _ratio(async_samples, sync_samples),
            }
    ratios = [figure["ratio"]["median"] for figure in figures.values()]
    outcome = measure.outcome_of_runs(
        "per-call timing of " + ", ".join(METHODS), failures, calls_per_run=CALLS
    )
    conformance.record(
        measure.with_evidence(
            outcome,
            methods=figures,
            failures=failures,
            median_ratio=round(statistics.median(ratios), 3) if ratios else None,
            worst_ratio=max(ratios) if ratios else None,
            # Every paired run of every method: the spread one cell's figure comes with.
            ratio=measure.spread(paired, digits=3) if paired else None,
        )
    )


@pytest.mark.conformance(feature="pattern.performance.reference-benchmark")
def test_reference_benchmark_async_for_against_wrapped_list(conformance, articles):
    """The reference's own benchmark: ``async for`` versus ``sync_to_async(list)``."""

    def fetch_articles_sync():
        return list(Article.objects.filter(status="published"))

    async def benchmark():
        async_times, sync_times = [], []
        for _ in range(RUNS * 4):
            start = time.perf_counter()
            await _collect(Article.objects.filter(status="published"))
            async_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            await sync_to_async(fetch_articles_sync)()
            sync_times.append(time.perf_counter() - start)
        return async_times, sync_times

    with rolled_back():
        try:
            async_times, sync_times = measure.run_async(benchmark)
            failures = {}
        except Exception as exc:
            async_times, sync_times, failures = [], [], {"benchmark": f"{exc!r}"}
    outcome = measure.outcome_of_runs("the reference's benchmark", failures, calls_per_run=1)
    figures = (
        {
            "async_s": measure.spread(async_times),
            "sync_wrapped_s": measure.spread(sync_times),
            "ratio": _ratio(async_times, sync_times),
        }
        if async_times
        else {}
    )
    conformance.record(measure.with_evidence(outcome, **figures))


IO_CALLS, IO_WAIT, IO_RUNS = 5, 0.01, 3


@pytest.mark.conformance(
    feature="pattern.performance.io-overlap",
)
def test_database_calls_and_other_waits_overlap_when_gathered(conformance, articles):
    """N queries plus N simulated I/O waits: one after another, then all gathered."""

    async def one_query():
        return await Article.objects.aget(slug="article-1")

    async def sequential():
        for _ in range(IO_CALLS):
            await one_query()
            await asyncio.sleep(IO_WAIT)

    async def gathered():
        await asyncio.gather(
            *(one_query() for _ in range(IO_CALLS)),
            *(asyncio.sleep(IO_WAIT) for _ in range(IO_CALLS)),
        )

    async def timed():
        results = {"sequential": [], "gathered": []}
        for _ in range(IO_RUNS):
            for name, form in (("sequential", sequential), ("gathered", gathered)):
                start = time.perf_counter()
                await form()
                results[name].append(time.perf_counter() - start)
        return results

    with rolled_back():
        try:
            times, failures = measure.run_async(timed), {}
        except Exception as exc:
            times, failures = {}, {"io-overlap": repr(exc)}
    outcome = measure.outcome_of_runs("sequential and gathered runs", failures, calls_per_run=1)
    figures = {}
    if times:
        figures = {
            "calls": IO_CALLS,
            "wait_s": IO_WAIT,
            "sequential_s": measure.spread(times["sequential"]),
            "gathered_s": measure.spread(times["gathered"]),
            "gathered_over_sequential": round(
                statistics.median(times["gathered"]) / statistics.median(times["sequential"]), 3
            ),
        }
    conformance.record(measure.with_evidence(outcome, **figures))
