"""Run the same work the sync way and the async way, and turn what happens into a verdict.

Coroutines run through ``async_to_sync`` from the test's own thread: Django routes their
``sync_to_async`` work (which every async ORM method uses) back to that thread, so the async
side shares the test's connection and transaction and is rolled back with it.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from django.core.exceptions import SynchronousOnlyOperation
from django.db import models, transaction

from conformance.verdicts import Verdict

MAX_TEXT = 2000


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + f"... [{len(text)} chars]"


@dataclass
class Observation:
    """What one call did: returned a value or raised an exception."""

    value: Any = None
    exception: BaseException | None = None

    @property
    def raised(self) -> bool:
        return self.exception is not None

    def to_json(self) -> dict[str, Any]:
        if self.exception is not None:
            kind = type(self.exception)
            return {
                "kind": "exception",
                "repr": _clip(repr(self.exception)),
                "type": f"{kind.__module__}.{kind.__qualname__}",
                "message": _clip(str(self.exception)),
            }
        return {"kind": "value", "repr": _clip(repr(self.value)), "type": None, "message": None}


def snippet(function: Callable[..., Any]) -> str:
    """The source of the code that ran, for the report's evidence."""
    try:
        return textwrap.dedent(inspect.getsource(function)).strip()
    except (OSError, TypeError):
        return repr(function)


def observe_sync(function: Callable[[], Any]) -> Observation:
    """Call ``function`` in a savepoint; an error rolls back only the savepoint."""
    try:
        with transaction.atomic():
            return Observation(value=function())
    except Exception as exc:
        return Observation(exception=exc)


def observe_async(function: Callable[[], Awaitable[Any]]) -> Observation:
    """Await ``function()`` inside a running event loop, in a savepoint like ``observe_sync``."""
    try:
        with transaction.atomic():
            return Observation(value=async_to_sync(function)())
    except Exception as exc:
        return Observation(exception=exc)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Undo everything done inside, so the next run starts from the same state."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def comparable(value: Any) -> Any:
    """A value's content, for comparing sync and async results.

    Model instances compare by their concrete field values, without auto-incremented keys,
    which differ between two inserts of the same row.
    """
    if isinstance(value, models.Model):
        fields = {
            field.attname: getattr(value, field.attname)
            for field in value._meta.concrete_fields
            if not (field.primary_key and isinstance(field, models.AutoField))
        }
        return (value._meta.label, tuple(sorted(fields.items())))
    if isinstance(value, (list, tuple)):
        return type(value)(comparable(item) for item in value)
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


def table_state(*model_classes: type[models.Model]) -> dict[str, list[Any]]:
    """Every row of the given tables, by content, for the after-state comparison."""
    return {
        model._meta.label: sorted(
            (comparable(row) for row in model._default_manager.order_by("pk")), key=repr
        )
        for model in model_classes
    }


@dataclass
class Outcome:
    """A verdict with its evidence, ready for the results file."""

    verdict: Verdict
    evidence: dict[str, Any]
    reason: str = ""


def differential(
    async_call: Callable[[], Awaitable[Any]],
    sync_call: Callable[[], Any],
    *,
    tables: tuple[type[models.Model], ...] = (),
    result: Callable[[Any], Any] = comparable,
    example: str | None = None,
) -> Outcome:
    """Run the sync twin and the async method from the same state and compare everything.

    Same result (by content), same exception type, same rows in ``tables`` afterwards:
    ``native``; anything else: ``diverges``, with both sides as evidence.
    """
    with rolled_back():
        sync = observe_sync(sync_call)
        sync_after = table_state(*tables)
    with rolled_back():
        run = observe_async(async_call)
        async_after = table_state(*tables)
    evidence = {
        "snippet": snippet(async_call),
        "observed": run.to_json(),
        "sync_twin": sync.to_json(),
        "example": example,
    }
    if sync.raised or run.raised:
        same = type(sync.exception) is type(run.exception)
        reason = "" if same else "the async call and its sync twin raised differently"
    elif result(sync.value) != result(run.value):
        same, reason = False, "the async call returned a different result than its sync twin"
    else:
        same, reason = True, ""
    if same and sync_after != async_after:
        same, reason = False, "the database differs after the async call and after its sync twin"
    return Outcome(Verdict.NATIVE if same else Verdict.DIVERGES, evidence, reason)


def pattern(direct: Callable[[], Awaitable[Any]], wrapped: Callable[[], Awaitable[Any]]) -> Outcome:
    """Try the direct form in a coroutine; if it fails, try the ``sync_to_async`` form."""
    with rolled_back():
        first = observe_async(direct)
    evidence: dict[str, Any] = {"snippet": snippet(direct), "observed": first.to_json()}
    if not first.raised:
        return Outcome(Verdict.NATIVE, evidence)
    with rolled_back():
        second = observe_async(wrapped)
    evidence["wrapped"] = second.to_json()
    evidence["snippet"] += "\n\n# wrapped form\n" + snippet(wrapped)
    if second.raised:
        return Outcome(Verdict.UNSUPPORTED, evidence, "neither the direct nor the wrapped form ran")
    reason = (
        "direct form raised SynchronousOnlyOperation"
        if isinstance(first.exception, SynchronousOnlyOperation)
        else f"direct form raised {type(first.exception).__name__}"
    )
    return Outcome(Verdict.NEEDS_SYNC_TO_ASYNC, evidence, reason)


def absent(owner: object, name: str) -> Outcome | None:
    """``absent`` with evidence when ``owner`` has no attribute ``name``, else ``None``."""
    if hasattr(owner, name):
        return None
    owner_name = getattr(owner, "__qualname__", repr(owner))
    return Outcome(
        Verdict.ABSENT,
        {
            "snippet": f"hasattr({owner_name}, {name!r})",
            "observed": {"kind": "absent", "repr": "False", "type": None, "message": None},
        },
        f"{owner_name} has no attribute {name!r}",
    )


def method(
    owner: object,
    name: str,
    async_call: Callable[[], Awaitable[Any]],
    sync_call: Callable[[], Any],
    **options: Any,
) -> Outcome:
    """``absent`` if ``owner.name`` does not exist, else the differential against the twin."""
    return absent(owner, name) or differential(async_call, sync_call, **options)
