"""Every async member Django ships, against its sync twin, from the same database state.

One parametrised check over ``surface_cases.CASES``; the plugin fails the session if the
discovered surface has a member no check covers.
"""

from __future__ import annotations

import ast
import functools
import inspect
import types
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import sync_to_async

from conformance import probe
from conformance.suite.surface_cases import CASES, FROZEN_NOW, Case

_ITERATORS = (types.GeneratorType, map, filter, zip)


async def call_async(case: Case) -> tuple[Any, Any]:
    """``await receiver.<member>(...)`` (or iterate it), then project it on the test thread."""
    receiver = await sync_to_async(case.receiver)()
    args = await sync_to_async(case.args)()
    kwargs = await sync_to_async(case.kwargs)()
    if case.name == "__aiter__":
        value = [item async for item in receiver]
    else:
        value = getattr(receiver, case.name)(*args, **kwargs)
        if inspect.isawaitable(value):
            value = await value
        elif hasattr(value, "__aiter__"):
            value = [item async for item in value]
    projected = await sync_to_async(case.project)(value)
    after = await sync_to_async(case.after)(receiver, args) if case.after else None
    return projected, after


def call_sync(case: Case) -> tuple[Any, Any]:
    """The twin: ``receiver.<twin>(...)``, or the twin attribute when it is a property."""
    receiver = (case.twin_receiver or case.receiver)()
    args, kwargs = case.args(), case.kwargs()
    if case.twin_name == "__iter__":
        value = list(receiver)
    else:
        value = getattr(receiver, case.twin_name)
        if callable(value):
            value = value(*args, **kwargs)
        if isinstance(value, _ITERATORS):
            value = list(value)
    return case.project(value), case.after(receiver, args) if case.after else None


@functools.cache
def _lambdas(filename: str) -> list[ast.Lambda]:
    tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]


def _expression(function: Any) -> str:
    """The expression a receiver or argument builder evaluates, as written in the case table.

    Lambdas are found in their file's syntax tree by line and body column; closures show the
    values they captured, so ``lambda: Article.objects.get(slug=slug)`` names its slug.
    """
    code = getattr(function, "__code__", None)
    if code is None:  # a type used as a builder: tuple, dict
        return f"{function.__name__}()"
    captured = ", ".join(
        f"{name}={cell.cell_contents!r}"
        for name, cell in zip(code.co_freevars, function.__closure__ or (), strict=True)
        if not callable(cell.cell_contents)
    )
    if function.__name__ == "<lambda>":
        starts = {(line, col) for line, _, col, _ in code.co_positions()}
        candidates = [
            node
            for node in _lambdas(code.co_filename)
            if (node.body.lineno, node.body.col_offset) in starts
        ]
        source = Path(code.co_filename).read_text(encoding="utf-8")
        text = ast.get_source_segment(source, candidates[-1].body) if candidates else None
        text = " ".join((text or "...").split())
    else:
        text = f"{function.__qualname__.split('.<locals>')[0]}()"
    return f"{text}  # {captured}" if captured else text


def source_of(case: Case) -> str:
    """The code a case runs, for the evidence: receiver, arguments and the awaited call."""
    call = f"receiver.{case.name}(*args, **kwargs)"
    action = "[item async for item in receiver]" if case.name == "__aiter__" else f"await {call}"
    return "\n".join(
        [
            f"# {case.id}: the async member, then its twin receiver.{case.twin_name} "
            "from the same database state",
            f"receiver = {_expression(case.receiver)}",
            f"args = {_expression(case.args)}",
            f"kwargs = {_expression(case.kwargs)}",
            action,
        ]
    )


def _param(case: Case):
    # The marker names the feature; the plugin takes its reference section from the vocabulary.
    return pytest.param(case, id=case.id, marks=pytest.mark.conformance(feature=case.feature))


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_async_member_matches_its_sync_twin(conformance, world, case):
    owner = case.owner
    try:
        found = owner()
    except (ImportError, AttributeError) as exc:
        conformance.record(probe.missing(owner.__qualname__, repr(exc)))
        return

    async def run():
        return await call_async(case)

    code = source_of(case)
    # One instant for both runs: expiry dates and ages are computed from "now".
    with mock.patch("django.utils.timezone.now", return_value=FROZEN_NOW):
        outcome = probe.absent(found, case.name) or probe.differential(
            run,
            lambda: call_sync(case),
            example=f"{case.id}: args={case.args()!r} kwargs={case.kwargs()!r}",
            code=code,
        )
    conformance.record(outcome)
