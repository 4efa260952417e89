"""Run the same work the sync way and the async way, and turn what happens into a verdict.

Coroutines run through ``async_to_sync`` from the test's own thread: Django routes their
``sync_to_async`` work (which every async ORM method uses) back to that thread, so the async
side shares the test's connection and transaction and is rolled back with it.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Awaitable, Callable, ItemsView, Iterator, KeysView, ValuesView
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


# Columns whose values are random or clock-based by design (salted hashes, session keys,
# "now" defaults): two correct runs never agree on them, so they are left out of comparisons.
VOLATILE_COLUMNS: dict[str, frozenset[str]] = {
    "auth.User": frozenset({"password", "date_joined", "last_login"}),
    "sessions.Session": frozenset({"session_key"}),
}


def _decoded_session(value: str) -> Any:
    from django.contrib.sessions.backends.db import SessionStore

    return SessionStore().decode(value)


# Columns compared by what they mean rather than by their bytes: session data is signed with
# the current second, so the same data encodes differently a second later.
COLUMN_VIEWS: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("sessions.Session", "session_data"): _decoded_session,
}


def _column(label: str, attname: str, value: Any) -> Any:
    view = COLUMN_VIEWS.get((label, attname))
    return view(value) if view else value


def _is_auto_key(field: models.Field) -> bool:
    return field.primary_key and isinstance(field, models.AutoField)


def comparable(value: Any) -> Any:
    """A value's content, for comparing sync and async results.

    Model instances compare by their concrete field values, without auto-incremented keys
    (two inserts of the same row get different ones) and volatile columns.
    """
    if isinstance(value, models.Model):
        label = value._meta.label
        skip = VOLATILE_COLUMNS.get(label, frozenset())
        fields = {
            field.attname: _column(label, field.attname, getattr(value, field.attname))
            for field in value._meta.concrete_fields
            if not _is_auto_key(field) and field.attname not in skip
        }
        return (label, tuple(sorted(fields.items(), key=repr)))
    if isinstance(value, (list, tuple)):
        return type(value)(comparable(item) for item in value)
    if isinstance(value, (KeysView, ValuesView, ItemsView)):
        return [comparable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((comparable(item) for item in value), key=repr)
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    return value


def all_tables() -> tuple[type[models.Model], ...]:
    """Every model of the installed apps, many-to-many through tables included."""
    from django.apps import apps

    return tuple(apps.get_models(include_auto_created=True))


def key_baseline(tables: tuple[type[models.Model], ...]) -> dict[str, int]:
    """The highest auto key of each table before a comparison: larger keys are new rows."""
    baseline = {}
    for model in tables:
        if _is_auto_key(model._meta.pk):
            newest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
            baseline[model._meta.label] = newest or 0
    return baseline


def table_state(
    tables: tuple[type[models.Model], ...], baseline: dict[str, int]
) -> dict[str, list[Any]]:
    """Every row of ``tables`` by content, new rows' keys renamed by their insertion order.

    PostgreSQL sequences are not rolled back, so the same insert gets key 7 in one run and 9 in
    the next; both become ``new#1`` here, in primary keys and in foreign keys alike.
    """
    rows = {model._meta.label: list(model._default_manager.order_by("pk")) for model in tables}
    order = {
        label: {
            pk: f"new#{rank}"
            for rank, pk in enumerate(
                sorted(row.pk for row in found if row.pk > baseline[label]), start=1
            )
        }
        for label, found in rows.items()
        if label in baseline
    }

    def relabel(model: type[models.Model], value: Any) -> Any:
        return order.get(model._meta.label, {}).get(value, value)

    state = {}
    for model in tables:
        skip = VOLATILE_COLUMNS.get(model._meta.label, frozenset())
        content = []
        for row in rows[model._meta.label]:
            values = []
            for field in model._meta.concrete_fields:
                if field.attname in skip:
                    continue
                value = _column(model._meta.label, field.attname, getattr(row, field.attname))
                if _is_auto_key(field):
                    value = relabel(model, value)
                elif field.is_relation and field.related_model is not None:
                    value = relabel(field.related_model, value)
                values.append((field.attname, value))
            content.append(tuple(values))
        state[model._meta.label] = sorted(content, key=repr)
    return state


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
    tables: tuple[type[models.Model], ...] | None = None,
    result: Callable[[Any], Any] = comparable,
    example: str | None = None,
    code: str | None = None,
) -> Outcome:
    """Run the sync twin and the async method from the same state and compare everything.

    Same result (by content), same exception type, same rows afterwards (in ``tables``, by
    default every table): ``native``; anything else: ``diverges``, with both sides as evidence.
    """
    tables = all_tables() if tables is None else tables
    baseline = key_baseline(tables)
    with rolled_back():
        sync = observe_sync(sync_call)
        sync_after = table_state(tables, baseline)
    with rolled_back():
        run = observe_async(async_call)
        async_after = table_state(tables, baseline)
    evidence = {
        "snippet": code or snippet(async_call),
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
        changed = sorted(k for k in sync_after if sync_after[k] != async_after.get(k))
        same = False
        reason = f"the database differs after the async call and its sync twin ({changed})"
        evidence["database"] = {
            "tables": changed,
            "after_sync": _clip(repr({k: sync_after[k] for k in changed})),
            "after_async": _clip(repr({k: async_after.get(k) for k in changed})),
        }
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


def missing(owner: str, detail: str) -> Outcome:
    """``absent`` when the class or module that would carry the member does not exist."""
    return Outcome(
        Verdict.ABSENT,
        {
            "snippet": f"import {owner}",
            "observed": {"kind": "absent", "repr": detail, "type": None, "message": None},
        },
        f"{owner} does not exist in this release",
    )
