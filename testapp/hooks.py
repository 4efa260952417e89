"""User code that Django calls back, instrumented: which hooks ran, in order, with what.

Real projects extend the ORM at the points Django documents: model method overrides, custom
managers and querysets, signal receivers. ``recording()`` collects every call of those hooks
made while it is open, so a check can compare what an async method ran with what its sync
twin ran. Entries hold only what two correct runs agree on (labels, flags, field names), never
primary keys, which PostgreSQL sequences make differ between runs.

The recording is a context variable, not a global: asgiref carries it into the threads and
event loops a call's ``sync_to_async`` and ``async_to_sync`` use, while a thread the call did
not start (the in-process ASGI server finishing an earlier check's request) has its own
context, so its hooks are never taken for the call's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models import signals

Entry = tuple[Any, ...]
_log: ContextVar[list[Entry] | None] = ContextVar("hooks_log", default=None)


def note(*entry: Any) -> None:
    """Record one hook call, when a recording is open in this context."""
    log = _log.get()
    if log is not None:
        log.append(entry)


@contextmanager
def recording() -> Iterator[list[Entry]]:
    """Every hook call made while open, in order, by code running in this context."""
    log: list[Entry] = []
    token = _log.set(log)
    try:
        yield log
    finally:
        _log.reset(token)


def _fields(update_fields: Any) -> tuple[str, ...] | None:
    return None if update_fields is None else tuple(sorted(update_fields))


def _on_save(signal_name: str):
    def receiver(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
        created = kwargs.get("created")
        note("signal", signal_name, sender._meta.label, created, raw, _fields(update_fields))

    return receiver


def _on_delete(signal_name: str):
    def receiver(sender, instance, **kwargs) -> None:
        note("signal", signal_name, sender._meta.label)

    return receiver


def _on_m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    note(
        "signal",
        "m2m_changed",
        sender._meta.label,
        action,
        reverse,
        model._meta.label,
        len(pk_set or ()),
    )


RECEIVERS = {
    signals.pre_save: _on_save("pre_save"),
    signals.post_save: _on_save("post_save"),
    signals.pre_delete: _on_delete("pre_delete"),
    signals.post_delete: _on_delete("post_delete"),
    signals.m2m_changed: _on_m2m_changed,
}


def connect() -> None:
    """Listen to the model signals of every sender (idempotent: one uid per signal)."""
    for signal, receiver in RECEIVERS.items():
        signal.connect(receiver, weak=False, dispatch_uid=f"conformance-hooks-{id(signal)}")


def user_code(entries: list[Entry]) -> list[Entry]:
    """The sync hooks' entries: an async override (``asave``) that delegates to its sync twin
    is the async path honouring the same code, not an extra call."""
    return [entry for entry in entries if entry[0] != "async-override"]


def which_ran(entries: list[Entry]) -> list[Entry]:
    """What a method's verdict compares: the signals with what they carried, and which
    overrides ran, but not the arguments an override was called with (an async wrapper that
    passes defaults by keyword honours the same override; the extensions checks compare
    those arguments)."""
    return [entry[:2] if entry[0] == "override" else entry for entry in user_code(entries)]


def async_overrides(entries: list[Entry]) -> list[str]:
    """The async overrides (``CountingSave.asave``...) that ran, by name."""
    return [entry[1] for entry in entries if entry[0] == "async-override"]
