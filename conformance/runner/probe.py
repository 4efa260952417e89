"""Run the same work the sync way and the async way, and turn what happens into a verdict.

Coroutines run through ``async_to_sync`` from the test's own thread: Django routes their
``sync_to_async`` work (which every async ORM method uses) back to that thread, so the async
side shares the test's connection and transaction and is rolled back with it. That is the
default ``Runner``; a check whose calls run elsewhere (django-async-backend's, on the package's
own connection) gives ``run_twins`` its own, and its own ``Observer`` of the rows afterwards.
Both sides' statements are counted by one rule (``Statements``).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import textwrap
import threading
import warnings
from collections import Counter
from collections.abc import (
    Awaitable,
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    ValuesView,
)
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from asgiref.sync import async_to_sync
from django.core.exceptions import SynchronousOnlyOperation
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.test.utils import CaptureQueriesContext

from conformance.verdicts import Verdict
from testapp import hooks

MAX_TEXT = 2000


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to a readable length, saying how long it was."""
    return text if len(text) <= limit else text[:limit] + f"... [{len(text)} chars]"


def safe_repr(value: Any) -> str:
    """``repr(value)``, or what kept it from having one (a model whose ``__str__`` is broken
    by the values a grid gave it)."""
    try:
        return repr(value)
    except Exception as exc:
        return f"<{type(value).__qualname__} whose repr() raised {type(exc).__name__}: {exc}>"


def observed(kind: str, text: str, *, type_name: str | None = None) -> dict[str, Any]:
    """One side of the evidence: what a call (or a check) did, in the results file's shape."""
    message = clip(text) if kind == "exception" else None
    return {"kind": kind, "repr": clip(text), "type": type_name, "message": message}


def evidence(snippet: str, seen: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A check's evidence: the code that ran and what it did, plus any further observations."""
    return {"snippet": snippet, "observed": seen, **extra}


@dataclass
class Observation:
    """What one call did: its value or exception, and what it caused on the way: warnings
    (categories), queries (counted by verb) and the user hooks that ran."""

    value: Any = None
    exception: BaseException | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    queries: dict[str, int] = dataclasses.field(default_factory=dict)
    hooks: list[hooks.Entry] = dataclasses.field(default_factory=list)
    written: set[str] = dataclasses.field(default_factory=set)  # tables written to

    @property
    def raised(self) -> bool:
        return self.exception is not None

    @property
    def wrote(self) -> bool:
        return bool(self.written)

    def to_json(self) -> dict[str, Any]:
        if self.exception is not None:
            kind = type(self.exception)
            name = f"{kind.__module__}.{kind.__qualname__}"
            found = observed("exception", safe_repr(self.exception), type_name=name)
            try:
                found["message"] = clip(str(self.exception))
            except Exception as exc:
                found["message"] = f"<str() raised {type(exc).__name__}>"
            return found
        return observed("value", safe_repr(self.value))


_WRITTEN_TABLE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`"]?(\w+)', re.I)


def _verb(sql: str) -> str:
    return sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""


# The warning categories of the call being watched; a context variable, like the hooks' log.
_warned: ContextVar[set[str] | None] = ContextVar("warned", default=None)


@contextmanager
def call_warnings() -> Iterator[set[str]]:
    """The categories of the warnings that what runs inside, in this context, issues.

    Warnings are process-wide: a thread the call did not start can warn at any moment, as an
    earlier request's thread of the in-process server does when it ends and Python collects its
    open SQLite connection (``ResourceWarning``). Such warnings go where they would have gone;
    only those issued in the call's own context (which asgiref carries into the threads and
    loops of ``sync_to_async`` and ``async_to_sync``) are the call's. ``ResourceWarning`` never
    is: the garbage collector issues it in whichever thread happens to collect, at a moment
    unrelated to the call (measured: a sync run warned about an earlier check's connection).
    """
    caught: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        elsewhere = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            found = _warned.get()
            if found is None or issubclass(category, ResourceWarning):
                elsewhere(message, category, filename, lineno, file, line)
            else:
                found.add(category.__name__)

        warnings.showwarning = show
        token = _warned.set(caught)
        try:
            yield caught
        finally:
            _warned.reset(token)


# Statements whose text holds SAVEPOINT (create, release, roll back to) are not counted: whether
# an atomic block makes one depends on the transaction it runs in (each side of a comparison in
# the test's transaction here, at the top of an autocommit connection in production), not on the
# call; what a rolled-back savepoint undoes is seen in the value and the rows afterwards.
_UNCOUNTED = "SAVEPOINT"
# What a statement the driver refused before sending it reads as: Django logs its text as None
# then (psycopg 2 refusing a NUL character in Django 4.1: measured), and it still counts.
UNSENT = "UNSENT"


class Statements:
    """The SQL statements one call ran, on whichever connections it used, counted by one rule.

    It is also an execute wrapper, for Django's connections and django-async-backend's alike
    (the package awaits what a wrapper returns, Django does not): each statement through it is
    recorded with the thread that issued it."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.threads: set[int] = set()

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.sql.append(sql)
        self.threads.add(threading.get_ident())
        return execute(sql, params, many, context)

    def counted(self) -> dict[str, int]:
        """Every statement by its verb, savepoints left out: what two twins must agree on."""
        return dict(Counter(_verb(sql) for sql in self.sql if _UNCOUNTED not in sql))

    def written(self) -> set[str]:
        """The tables the statements wrote to."""
        return {found.group(1) for sql in self.sql if (found := _WRITTEN_TABLE.match(sql))}


def watch(make: Callable[[Statements], Any]) -> Observation:
    """Make one call and observe it: ``make`` makes the call, running every statement through
    the ``Statements`` it is given, and returns the call's value or raises its exception. The
    observation holds that, and the warnings, statements and user hooks the call caused."""
    seen, statements = Observation(), Statements()
    with call_warnings() as caught, hooks.recording() as log:
        try:
            seen.value = make(statements)
        except Exception as exc:
            seen.exception = exc
        finally:
            seen.warnings = sorted(caught)
            seen.queries, seen.written = statements.counted(), statements.written()
            seen.hooks = list(log)
    return seen


def snippet(function: Callable[..., Any]) -> str:
    """The source of the code that ran, for the report's evidence."""
    try:
        return textwrap.dedent(inspect.getsource(function)).strip()
    except (OSError, TypeError):
        return repr(function)


def in_savepoint(function: Callable[[], Any], statements: Statements) -> Any:
    """Call ``function`` in a savepoint of the test's connection, its statements into
    ``statements``; an error rolls back only the savepoint."""
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as captured:
        try:
            with transaction.atomic():
                return function()
        finally:
            statements.sql.extend(query["sql"] or UNSENT for query in captured.captured_queries)


def observe_sync(function: Callable[[], Any]) -> Observation:
    """Call ``function`` in a savepoint; an error rolls back only the savepoint."""
    return watch(lambda statements: in_savepoint(function, statements))


def observe_async(function: Callable[[], Awaitable[Any]]) -> Observation:
    """Await ``function()`` inside a running event loop, in a savepoint like ``observe_sync``."""
    return observe_sync(async_to_sync(function))


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
    "customuser.EmailUser": frozenset({"password", "last_login"}),
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
    """Every model of the installed apps with a table of its own, many-to-many through tables
    included."""
    from django.apps import apps

    # A proxy model (the user's subclasses the extension checks derive) is another name for
    # a table that its concrete model already stands for.
    return tuple(m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy)


def key_baseline(tables: tuple[type[models.Model], ...]) -> dict[str, int]:
    """The highest auto key of each table before a comparison: larger keys are new rows."""
    baseline = {}
    for model in tables:
        if _is_auto_key(model._meta.pk):
            newest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
            baseline[model._meta.label] = newest or 0
    return baseline


_DRAWN_SESSION_KEY = re.compile(r"[a-z0-9]{32}$")


def _cache_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A database cache row by what it means: its key (a session key drawn at random made
    equal), its value, and whether it expires (the expiry is "now" plus a timeout, read from
    the clock, so two runs a moment apart store other instants)."""
    key, value, expires = row
    return (_DRAWN_SESSION_KEY.sub("<new session key>", key), value, expires.year < 9999)


def _raw_view(name: str) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    from django.conf import settings

    cache_tables = {
        cache.get("LOCATION")
        for cache in settings.CACHES.values()
        if cache.get("BACKEND", "").endswith("db.DatabaseCache")
    }
    return _cache_row if name in cache_tables else tuple


def raw_table_state(names: Iterable[str]) -> dict[str, list[Any]]:
    """Every row of tables no model describes (the database cache's), by content, sorted."""
    connection = connections[DEFAULT_DB_ALIAS]
    state = {}
    with connection.cursor() as cursor:
        for name in sorted(names):
            view = _raw_view(name)
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(name)}")
            state[name] = sorted((view(tuple(row)) for row in cursor.fetchall()), key=repr)
    return state


def table_state(
    tables: tuple[type[models.Model], ...],
    baseline: dict[str, int],
    raw: Iterable[str] = (),
) -> dict[str, list[Any]]:
    """Every row of ``tables`` by content, new rows' keys renamed by their insertion order;
    then every row of the ``raw`` tables, which no model describes.

    PostgreSQL sequences are not rolled back, so the same insert gets key 7 in one run and 9 in
    the next; both become ``new#1`` here, in primary keys and in foreign keys alike.
    """
    # Rows as value tuples, not model instances: the same values (the database's, through
    # each field's converters), at a fraction of the cost of building instances.
    columns = {
        model._meta.label: [
            field
            for field in model._meta.concrete_fields
            if field.attname not in VOLATILE_COLUMNS.get(model._meta.label, frozenset())
        ]
        for model in tables
    }
    rows = {
        model._meta.label: list(
            model._default_manager.order_by("pk").values_list(
                "pk", *(field.attname for field in columns[model._meta.label])
            )
        )
        for model in tables
    }
    order = {
        label: {
            pk: f"new#{rank}"
            for rank, pk in enumerate(
                sorted(row[0] for row in found if row[0] > baseline[label]), start=1
            )
        }
        for label, found in rows.items()
        if label in baseline
    }

    def relabel(model: type[models.Model], value: Any) -> Any:
        return order.get(model._meta.label, {}).get(value, value)

    state = {}
    for model in tables:
        label = model._meta.label
        content = []
        for row in rows[label]:
            values = []
            for field, value in zip(columns[label], row[1:], strict=True):
                value = _column(label, field.attname, value)
                if _is_auto_key(field):
                    value = relabel(model, value)
                elif field.is_relation and field.related_model is not None:
                    value = relabel(field.related_model, value)
                values.append((field.attname, value))
            content.append(tuple(values))
        state[label] = sorted(content, key=repr)
    return state | raw_table_state(raw)


@dataclass
class Outcome:
    """A verdict with its evidence, ready for the results file."""

    verdict: Verdict
    evidence: dict[str, Any]
    reason: str = ""


class Runner(Protocol):
    """How each side of a twin comparison is run: from which state, and on which connections."""

    def side(
        self, call: Callable[..., Any], *, sync: bool
    ) -> AbstractContextManager[Callable[[Statements], Any]]:
        """Around one side: set up the state it starts from, then give how its call is made (a
        ``make`` for ``watch``; ``call`` is awaited when not ``sync``); on leaving, undo what
        can be undone. What is read of the database inside (``settle``, the ``Observer``)
        still sees the side's work."""
        ...


class Observer(Protocol):
    """What is read of the database after each side, to compare with the other's."""

    def state(self, written: set[str]) -> dict[str, list[Any]] | None:
        """The rows as they are now, given the tables the sides so far wrote to (``None``:
        nothing to compare)."""
        ...


class InTestTransaction:
    """The suite's runner: each side in the test's transaction, rolled back after it, its call
    in a savepoint; a coroutine goes through ``async_to_sync``, whose ``sync_to_async`` work
    Django routes back to the test's thread and connection."""

    @contextmanager
    def side(
        self, call: Callable[..., Any], *, sync: bool
    ) -> Iterator[Callable[[Statements], Any]]:
        function = call if sync else async_to_sync(call)
        with rolled_back():
            yield lambda statements: in_savepoint(function, statements)


@dataclass(frozen=True)
class WrittenRows:
    """The suite's observer: the tables either side wrote to, new rows' keys renamed by their
    insertion order above ``baseline``; a written table that ``tables`` does not model is read
    raw (the database cache's)."""

    tables: tuple[type[models.Model], ...]
    baseline: dict[str, int]

    def state(self, written: set[str]) -> dict[str, list[Any]] | None:
        if not written:
            return None
        modelled = {model._meta.db_table for model in self.tables}
        chosen = tuple(model for model in self.tables if model._meta.db_table in written)
        return table_state(chosen, self.baseline, raw=written - modelled - {"django_migrations"})


@dataclass(frozen=True)
class EveryRow:
    """Every row of ``tables`` after each side, whatever its statements wrote (new rows' keys
    renamed above ``baseline``, as ``WrittenRows`` does)."""

    tables: tuple[type[models.Model], ...]
    baseline: dict[str, int] = dataclasses.field(default_factory=dict)

    def state(self, written: set[str]) -> dict[str, list[Any]] | None:
        return table_state(self.tables, self.baseline)


IN_TEST_TRANSACTION = InTestTransaction()


def run_twins(
    async_call: Callable[[], Awaitable[Any]],
    sync_call: Callable[[], Any],
    *,
    tables: tuple[type[models.Model], ...] | None = None,
    baseline: dict[str, int] | None = None,
    settle: Callable[[Any], Any] | None = None,
    runner: Runner = IN_TEST_TRANSACTION,
    observer: Observer | None = None,
) -> tuple[Observation, Observation, Any, Any]:
    """The sync twin, then the async call, each run by ``runner`` from the same state: both
    observations, and the database after each as ``observer`` reads it.

    By default each side runs in the test's transaction and is rolled back, and the observer
    reads the tables either side wrote to (``None`` when neither wrote) among ``tables`` (by
    default every table), new keys counted above ``baseline`` (by default each table's highest
    key now). ``settle`` turns a value into what is compared (it may query: it runs before the
    side ends, but after the watched window, so its queries and hooks are not the call's)."""
    if observer is None:
        tables = all_tables() if tables is None else tables
        baseline = key_baseline(tables) if baseline is None else baseline
        observer = WrittenRows(tables, baseline)

    def observe(make: Callable[[Statements], Any]) -> Observation:
        seen = watch(make)
        if settle is not None and not seen.raised:
            try:
                with transaction.atomic():
                    seen.value = settle(seen.value)
            except Exception as exc:
                seen.exception = exc
        return seen

    with runner.side(sync_call, sync=True) as make:
        sync = observe(make)
        sync_after = observer.state(sync.written)
    with runner.side(async_call, sync=False) as make:
        run = observe(make)
        async_after = observer.state(sync.written | run.written)
    if run.written - sync.written:
        # The async side wrote where the sync twin did not: read those tables as the sync twin
        # left them, which is as they were before (its side is undone).
        with runner.side(sync_call, sync=True) as make:
            watch(make)
            sync_after = observer.state(sync.written | run.written)
    return sync, run, sync_after, async_after


def differential(
    async_call: Callable[[], Awaitable[Any]],
    sync_call: Callable[[], Any],
    *,
    tables: tuple[type[models.Model], ...] | None = None,
    result: Callable[[Any], Any] = comparable,
    example: str | None = None,
    code: str | None = None,
    baseline: dict[str, int] | None = None,
    settle: Callable[[Any], Any] | None = None,
    runner: Runner = IN_TEST_TRANSACTION,
    observer: Observer | None = None,
) -> Outcome:
    """Run the sync twin and the async method from the same state and compare everything.

    Same result (by content), same exception class, same warning categories, the same number
    of queries of each kind, the same user hooks run, and the same rows afterwards (in
    ``tables``, by default every table; read only when either side wrote): ``native``;
    anything else: ``diverges``, every difference named, both sides as evidence. ``runner``
    and ``observer`` replace how each side runs and what is read afterwards (``run_twins``).
    """
    sync, run, sync_after, async_after = run_twins(
        async_call,
        sync_call,
        tables=tables,
        baseline=baseline,
        settle=settle,
        runner=runner,
        observer=observer,
    )
    return judge(
        sync,
        run,
        sync_after,
        async_after,
        code=code or snippet(async_call),
        example=example,
        result=result,
    )


def judge(
    sync: Observation,
    run: Observation,
    sync_after: dict[str, list[Any]] | None,
    async_after: dict[str, list[Any]] | None,
    *,
    code: str,
    example: str | None = None,
    result: Callable[[Any], Any] = comparable,
) -> Outcome:
    """The one definition of "behaves like its sync twin", for observations however they were
    made (``run_twins``, with whichever runner and observer):
    same result by content, same exception class, same warning categories, the same queries
    of each kind, the same user hooks, and the same rows afterwards."""
    found = evidence(
        code,
        run.to_json(),
        sync_twin=sync.to_json(),
        example=example,
        query_counts={"sync": sync.queries, "async": run.queries},
    )
    reasons = _differences(sync, run, result)
    if run.warnings or sync.warnings:
        found["warnings"] = {"sync": sync.warnings, "async": run.warnings}
    if run.hooks or sync.hooks:
        found["hooks"] = {
            "sync": [clip(safe_repr(entry), 300) for entry in sync.hooks],
            "async": [clip(safe_repr(entry), 300) for entry in run.hooks],
        }
    if sync_after != async_after:
        changed = sorted(k for k in sync_after if sync_after[k] != async_after.get(k))
        if type(sync.exception) is type(run.exception):
            reasons.append(f"the database differs after the async call and its twin ({changed})")
        found["database"] = {
            "tables": changed,
            "after_sync": clip(safe_repr({k: sync_after[k] for k in changed})),
            "after_async": clip(safe_repr({k: async_after.get(k) for k in changed})),
        }
    verdict = Verdict.DIVERGES if reasons else Verdict.NATIVE
    return Outcome(verdict, found, "; ".join(reasons))


def _differences(sync: Observation, run: Observation, result: Callable[[Any], Any]) -> list[str]:
    """Every way the async call's observation differs from its sync twin's, in words."""
    reasons = []
    both_raised = sync.raised and run.raised
    if type(sync.exception) is not type(run.exception):
        # Everything else follows from ending differently; that is the finding.
        return ["the async call and its sync twin raised differently"]
    if not both_raised and result(sync.value) != result(run.value):
        reasons.append("the async call returned a different result than its sync twin")
    if sync.warnings != run.warnings:
        reasons.append(f"warned differently ({sync.warnings} in sync, {run.warnings} in async)")
    # Queries made on the way to the same exception are no difference a caller can see.
    if sync.queries != run.queries and not both_raised:
        reasons.append(f"issued other queries ({sync.queries} in sync, {run.queries} in async)")
    if hooks.which_ran(run.hooks) != hooks.which_ran(sync.hooks):
        reasons.append(_hooks_difference(sync.hooks, run.hooks))
    return reasons


def _hooks_difference(sync: list[hooks.Entry], run: list[hooks.Entry]) -> str:
    """Which of the user's hooks the async path ran differently, said plainly."""
    ran_sync, ran_async = Counter(hooks.which_ran(sync)), Counter(hooks.which_ran(run))
    skipped = sorted({entry[1] for entry in ran_sync - ran_async})
    extra = sorted({entry[1] for entry in ran_async - ran_sync})
    parts = []
    if skipped:
        parts.append(f"did not run your {', '.join(skipped)} as its sync twin did")
    if extra:
        parts.append(f"ran your {', '.join(extra)} where its sync twin did not")
    return "the async call " + (
        " and ".join(parts) or "ran your receivers and overrides in another order"
    )


def pattern(direct: Callable[[], Awaitable[Any]], wrapped: Callable[[], Awaitable[Any]]) -> Outcome:
    """Try the direct form in a coroutine; if it fails, try the ``sync_to_async`` form."""
    with rolled_back():
        first = observe_async(direct)
    found = evidence(snippet(direct), first.to_json())
    if not first.raised:
        return Outcome(Verdict.NATIVE, found)
    with rolled_back():
        second = observe_async(wrapped)
    found["wrapped"] = second.to_json()
    found["snippet"] += "\n\n# wrapped form\n" + snippet(wrapped)
    if second.raised:
        return Outcome(Verdict.UNSUPPORTED, found, "neither the direct nor the wrapped form ran")
    reason = (
        "direct form raised SynchronousOnlyOperation"
        if isinstance(first.exception, SynchronousOnlyOperation)
        else f"direct form raised {type(first.exception).__name__}"
    )
    return Outcome(Verdict.NEEDS_SYNC_TO_ASYNC, found, reason)


def absent(owner: object, name: str) -> Outcome | None:
    """``absent`` with evidence when ``owner`` has no attribute ``name``, else ``None``."""
    if hasattr(owner, name):
        return None
    owner_name = getattr(owner, "__qualname__", repr(owner))
    return Outcome(
        Verdict.ABSENT,
        evidence(f"hasattr({owner_name}, {name!r})", observed("absent", "False")),
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
        evidence(f"import {owner}", observed("absent", detail)),
        f"{owner} does not exist in this release",
    )
