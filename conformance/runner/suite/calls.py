"""Calls written with their real values, and the grid of calls a signature implies.

A ``Value`` is how an argument reads in the evidence (``'article-1'``, ``Article.objects.get(
slug='article-1')``) and how to build it afresh for each run, so that both sides start from
equal objects. A ``Call`` is a receiver and its arguments; ``grid`` derives from a seed call
and the async member's signature (and its sync twin's) every call a fuzzer would try first:
each receiver kind, each parameter omitted, at its default, at ``None``, empty, at boundary
values, of a wrong type, passed by position or by keyword, and an unknown keyword. The grid is
fixed: the same Django gives the same calls in every run and every profile.
"""

from __future__ import annotations

import copy
import inspect
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q


@dataclass(frozen=True)
class Value:
    """An argument: its text in the evidence, and how to build it for one run."""

    text: str
    build: Callable[[], Any]

    def __repr__(self) -> str:
        return self.text


def lit(value: Any) -> Value:
    """A plain value, deep-copied for every run (lists are mutated by some methods)."""
    return Value(repr(value), lambda: copy.deepcopy(value))


def code(text: str, build: Callable[[], Any]) -> Value:
    """A value built by running code, e.g. a model instance fetched from the database."""
    return Value(text, build)


class _Unset:
    """A value of no type any API expects; all of them are equal, so that a sync and an async
    run that both keep it (in a session, say) compare equal."""

    def __repr__(self) -> str:
        return "object()"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Unset)

    def __hash__(self) -> int:
        return 0


# Values every parameter is tried with: nothing, boundaries, emptiness and a wrong type.
EDGES: tuple[Value, ...] = (
    lit(None),
    lit(0),
    lit(-1),
    lit(1),
    lit(10**9),
    lit(2.0),
    lit(""),
    lit([]),
    Value("object()", _Unset),
)
UNKNOWN_KEYWORD = "conformance_unknown"


def source(value: Any) -> str:
    """A generated value as the Python source that builds it: a ``Q`` as its expression,
    containers item by item, anything else as its ``repr`` (which is source for the values the
    property checks generate: text, numbers, decimals, datetimes, ``None``)."""
    if isinstance(value, Q):
        return _q_source(value)
    if isinstance(value, list):
        return f"[{', '.join(source(item) for item in value)}]"
    if isinstance(value, tuple):
        return f"({source(value[0])},)" if len(value) == 1 else f"({', '.join(map(source, value))})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {source(item)}" for key, item in value.items()) + "}"
    return repr(value)


def keywords(arguments: dict[str, Any]) -> str:
    """``name=value, ...`` for a call, each value as ``source`` writes it."""
    return ", ".join(f"{name}={source(value)}" for name, value in arguments.items())


_CONNECTORS = {"AND": " & ", "OR": " | ", "XOR": " ^ "}


def _q_source(q: Q) -> str:
    # One Q(lookup=value) per condition, joined by the node's connector: evaluated, it builds
    # the same tree (Q(a=1, b=2) would sort its keywords).
    parts = []
    for child in q.children:
        if isinstance(child, Q):
            text = _q_source(child)
            parts.append(f"({text})" if len(child.children) > 1 and not child.negated else text)
        else:
            parts.append(f"Q({child[0]}={source(child[1])})")
    body = _CONNECTORS[q.connector].join(parts) or "Q()"
    if not q.negated:
        return body
    return f"~{body}" if len(parts) <= 1 else f"~({body})"


@dataclass(frozen=True)
class Call:
    """``receiver.<member>(*args, **kwargs)``, and what the grid varied to get it."""

    receiver: Value
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    varied: str = "as seeded"

    def text(self, name: str) -> str:
        """The call as a user would write it, with its values."""
        written = [repr(arg) for arg in self.args]
        written += [f"{key}={value!r}" for key, value in self.kwargs]
        return f"{self.receiver.text}.{name}({', '.join(written)})"

    def build(self) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
        """Fresh receiver and arguments for one run."""
        args = tuple(arg.build() for arg in self.args)
        return self.receiver.build(), args, {key: value.build() for key, value in self.kwargs}

    def with_keyword(self, name: str, value: Value | None, varied: str) -> Call:
        """This call with keyword ``name`` set to ``value`` (or dropped when ``None``)."""
        kept = tuple((key, v) for key, v in self.kwargs if key != name)
        if value is not None:
            kept += ((name, value),)
        return replace(self, kwargs=kept, varied=varied)


def _parameters(function: Any) -> list[inspect.Parameter]:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    return [p for p in signature.parameters.values() if p.name not in {"self", "cls"}]


def signature_text(function: Any) -> str:
    """The signature as Python shows it, or why there is none (a property, say)."""
    try:
        return str(inspect.signature(function))
    except (TypeError, ValueError):
        return f"(no signature: {type(function).__name__})"


def signature_differences(async_member: Any, sync_member: Any) -> list[str]:
    """Parameters present on one side only, or with another default, in words."""
    ours = {p.name: p for p in _parameters(async_member)}
    theirs = {p.name: p for p in _parameters(sync_member)}
    found = []
    for name in sorted(ours.keys() | theirs.keys()):
        mine, twin = ours.get(name), theirs.get(name)
        if mine is None or twin is None:
            side = "async member" if mine is not None else "sync twin"
            found.append(f"{name!r} exists on the {side} only")
        elif mine.default != twin.default:
            found.append(f"{name!r} defaults to {mine.default!r} (async), {twin.default!r} (sync)")
    return found


def _named(parameters: list[inspect.Parameter]) -> list[inspect.Parameter]:
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [p for p in parameters if p.kind not in variadic]


def grid(
    seeds: tuple[Call, ...],
    async_member: Any,
    sync_member: Any,
    *,
    receivers: dict[str, Value],
    pools: dict[str, tuple[Any, ...]],
) -> Iterator[Call]:
    """Each seed, then every variation of it the two signatures imply, each call once.

    ``pools`` holds, per parameter name, the values that mean something for it (field names
    for ``field_name``...), tried before the edges; its ``"*args"`` and ``"**kwargs"`` entries
    hold whole argument tuples and keyword sets, ``((name, Value), ...)``, for members that
    take any.
    """
    seen: set[str] = set()
    for index, seed in enumerate(seeds):
        # Receiver kinds vary the first seed; later seeds cover other paths of the same member.
        kinds = receivers if index == 0 else {}
        calls = itertools.chain(
            _variations(seed, async_member, sync_member, kinds, pools),
            pairwise(seed, async_member, sync_member, pools),
        )
        for call in calls:
            key = repr((call.receiver, call.args, call.kwargs))
            if key not in seen:
                seen.add(key)
                yield call


OMITTED = Value("<omitted>", lambda: None)


def pairwise(
    seed: Call, async_member: Any, sync_member: Any, pools: dict[str, tuple[Any, ...]]
) -> Iterator[Call]:
    """Calls in which every pair of meaningful values of two parameters meets at least once
    (a covering array over the pools, each optional parameter also omitted), so that a value
    that matters only together with another (``defaults`` when the key is missing) is tried.

    Built greedily and deterministically: each row takes, parameter by parameter, the value
    that covers the most pairs still missing, the earlier value on a tie."""
    if not callable(sync_member):
        return
    ours, theirs = _parameters(async_member), _parameters(sync_member)
    named = {p.name: p for p in _named(theirs)} | {p.name: p for p in _named(ours)}
    positional = [p.name for p in _named(ours)]
    dimensions: dict[str, list[Value | tuple]] = {}
    for name, parameter in named.items():
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY or name not in pools:
            continue
        values: list[Value | tuple] = list(pools[name])
        if parameter.default is not inspect.Parameter.empty:
            values.append(OMITTED)
        dimensions[name] = values
    kinds = {p.kind for p in (*ours, *theirs)}
    if inspect.Parameter.VAR_KEYWORD in kinds and pools.get("**kwargs"):
        dimensions["**kwargs"] = list(pools["**kwargs"])
    if len(dimensions) < 2:
        return
    for row in _covering_rows(list(dimensions.values())):
        call = _without_positional(seed, "", positional)
        varied = []
        for name, value in zip(dimensions, row, strict=True):
            if name == "**kwargs":
                named_keys = {key for key, _ in value}
                kept = tuple((k, v) for k, v in call.kwargs if k not in named_keys)
                call = replace(call, kwargs=kept + tuple(value))
                varied.append(", ".join(f"{k}={v!r}" for k, v in value))
                continue
            call = _without_positional(call, name, positional)
            call = call.with_keyword(name, None if value is OMITTED else value, "")
            varied.append(f"{name} omitted" if value is OMITTED else f"{name}={value!r}")
        yield replace(call, varied="pairwise: " + "; ".join(varied))


def _covering_rows(dimensions: list[list[Any]]) -> list[tuple[Any, ...]]:
    """Rows, one value per dimension, in which every pair of values of two dimensions meets.

    Each row starts from the first pair still missing (so every row covers at least one) and
    fills the other dimensions with the value that covers the most missing pairs with those
    already chosen, the earlier value on a tie."""
    pairs = list(itertools.combinations(range(len(dimensions)), 2))
    missing = {
        (a, i, b, j)
        for a, b in pairs
        for i in range(len(dimensions[a]))
        for j in range(len(dimensions[b]))
    }
    rows = []
    while missing:
        a, i, b, j = min(missing)
        chosen: dict[int, int] = {a: i, b: j}
        for dimension in range(len(dimensions)):
            if dimension not in chosen:
                gains = [
                    sum(_pair(d, v, dimension, index) in missing for d, v in chosen.items())
                    for index in range(len(dimensions[dimension]))
                ]
                chosen[dimension] = gains.index(max(gains))
        missing -= {(x, chosen[x], y, chosen[y]) for x, y in pairs}
        rows.append(tuple(dimensions[d][chosen[d]] for d in range(len(dimensions))))
    return rows


def _pair(d: int, value: int, e: int, other: int) -> tuple[int, int, int, int]:
    """A pair's key: ``(dimension, value, dimension, value)``, lower dimension first."""
    return (d, value, e, other) if d < e else (e, other, d, value)


def _variations(seed, async_member, sync_member, receivers, pools) -> Iterator[Call]:
    yield seed
    for kind, receiver in receivers.items():
        yield replace(seed, receiver=receiver, varied=f"receiver: {kind}")
    if not callable(sync_member):
        return  # the twin is a property: there are no arguments to vary
    ours, theirs = _parameters(async_member), _parameters(sync_member)
    named = {p.name: p for p in _named(theirs)} | {p.name: p for p in _named(ours)}
    positional = [p.name for p in _named(ours)]
    # Seeded positional arguments, by the name they bind to, so they can be varied by name.
    bound = dict(zip(positional, seed.args, strict=False))
    for name, parameter in named.items():
        values = list(pools.get(name, ())) + list(EDGES)
        values += [
            _default(p)
            for p in (*ours, *theirs)
            if p.name == name and p.default is not inspect.Parameter.empty
        ]
        as_keyword = parameter.kind is not inspect.Parameter.POSITIONAL_ONLY
        for value in values:
            if as_keyword:
                yield _without_positional(seed, name, positional).with_keyword(
                    name, value, f"{name}={value!r}"
                )
        if name in bound and as_keyword:
            yield _without_positional(seed, name, positional).with_keyword(
                name, bound[name], f"{name} by keyword"
            )
        if dict(seed.kwargs).get(name) is not None and name in positional:
            index = positional.index(name)
            if index == len(seed.args):
                yield replace(
                    seed.with_keyword(name, None, ""),
                    args=(*seed.args, dict(seed.kwargs)[name]),
                    varied=f"{name} by position",
                )
        if parameter.default is not inspect.Parameter.empty and (
            name in dict(seed.kwargs) or name in bound
        ):
            yield _without_positional(seed, name, positional).with_keyword(
                name, None, f"{name} omitted"
            )
    # Variadic parameters (lookups, fields...): whole argument lists and keyword sets.
    kinds = {p.kind for p in (*ours, *theirs)}
    if inspect.Parameter.VAR_POSITIONAL in kinds and not positional:
        for arguments in pools.get("*args", ()):
            yield replace(seed, args=arguments, varied="other arguments")
    if inspect.Parameter.VAR_KEYWORD in kinds:
        for keywords in pools.get("**kwargs", ()):
            yield replace(seed, kwargs=keywords, varied="other keywords")
    yield seed.with_keyword(UNKNOWN_KEYWORD, lit(1), "an unknown keyword")


def _default(parameter: inspect.Parameter) -> Value:
    """A parameter's own default: a plain value as written, anything else (a sentinel such as
    ``SessionBase.pop``'s) passed as that very object, since a copy would be another value."""
    default = parameter.default
    if default is None or isinstance(default, bool | int | float | str | bytes):
        return lit(default)
    return Value(f"<default of {parameter.name}>", lambda: default)


def _without_positional(seed: Call, name: str, positional: list[str]) -> Call:
    """The seed with ``name`` no longer passed by position (and nothing after it, which
    would otherwise shift onto it)."""
    if name not in positional or positional.index(name) >= len(seed.args):
        return seed
    index = positional.index(name)
    moved = tuple(zip(positional[index + 1 :], seed.args[index + 1 :], strict=False))
    return replace(seed, args=seed.args[:index], kwargs=(*seed.kwargs, *moved))
