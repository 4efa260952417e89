"""Write each repeated part of a JSON value once: the evidence of one feature repeats itself.

A feature's evidence holds one entry per cell, and most cells ran the same check on the same
call with the same outcome: the same snippet, check id, signature and observations, 22 times.
``share`` writes every subtree (object or list) and every long string that occurs more than
once a single time, in ``defs``, and a ``{"$ref": n}`` where it stood, so a feature's evidence
is small enough to sit in the page as plain JSON (no inflating before its first cell opens).
A definition refers only to earlier ones, so the page resolves them in one pass (``unshare`` in
report.js, mirrored here for the tests). Within that rule, alike definitions stand together
(``_alike_first``): gzip finds a repeat only in the last 32 kB it read, and an override's
subclass, its hooks and its "do this instead" repeat with small changes from feature to feature.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

REF = "$ref"
# Shorter strings cost less than a reference to them.
MIN_SHARED_STRING = 16

Shared = dict[str, Any]


def _worth_sharing(node: Any) -> bool:
    if isinstance(node, (dict, list)):
        return bool(node)
    return isinstance(node, str) and len(node) >= MIN_SHARED_STRING


def share(value: Any) -> Shared:
    """``value`` as ``{"defs": [...], "root": ...}``, every repeated part written once.

    Raises ``ValueError`` if an object of ``value`` has a ``"$ref"`` key, which would read back
    as a reference.
    """
    ids: dict[tuple[Any, ...], int] = {}
    counts: Counter[int] = Counter()
    containers: dict[int, int] = {}  # id() of each dict or list -> its structure's number

    def number(node: Any) -> int:
        if isinstance(node, dict):
            if REF in node:
                raise ValueError(f"the data has an object with a {REF!r} key")
            key: tuple[Any, ...] = ("object", tuple((k, number(v)) for k, v in node.items()))
        elif isinstance(node, list):
            key = ("list", tuple(number(item) for item in node))
        else:
            key = ("value", type(node).__name__, node)
        found = ids.setdefault(key, len(ids))
        counts[found] += 1
        if isinstance(node, (dict, list)):
            containers[id(node)] = found
        return found

    number(value)
    defs: list[Any] = []
    placed: dict[int, int] = {}

    def encode(node: Any) -> Any:
        if not _worth_sharing(node):
            return spell(node)
        found = (
            containers[id(node)]
            if isinstance(node, (dict, list))
            else ids[("value", type(node).__name__, node)]
        )
        if counts[found] < 2:
            return spell(node)
        if found not in placed:
            body = spell(node)  # its own repeated parts first: post-order
            placed[found] = len(defs)
            defs.append(body)
        return {REF: placed[found]}

    def spell(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: encode(item) for key, item in node.items()}
        if isinstance(node, list):
            return [encode(item) for item in node]
        return node

    root = encode(value)
    return _alike_first({"defs": defs, "root": root})


def _refs(node: Any) -> list[int]:
    """The definitions ``node`` refers to."""
    if isinstance(node, dict):
        if list(node) == [REF]:
            return [node[REF]]
        return [n for item in node.values() for n in _refs(item)]
    if isinstance(node, list):
        return [n for item in node for n in _refs(item)]
    return []


def _renumbered(node: Any, new: dict[int, int]) -> Any:
    if isinstance(node, dict):
        if list(node) == [REF]:
            return {REF: new[node[REF]]}
        return {key: _renumbered(item, new) for key, item in node.items()}
    if isinstance(node, list):
        return [_renumbered(item, new) for item in node]
    return node


def _alike_first(document: Shared) -> Shared:
    """``document`` with its definitions reordered so that alike ones stand together, each still
    after the ones it refers to: by depth (a string or a part without references first, then
    the parts made of those, ...), then by kind (strings, lists, objects by their keys), then by
    their text. Written in the order they were found (post-order), one feature's check, string,
    list of hooks and observation alternate, and the next feature's like ones are too far back
    for gzip: grouped, the real run's evidence compresses a tenth better."""
    defs = document["defs"]
    depth: list[int] = []
    for body in defs:  # post-order: what a definition refers to has its depth already
        depth.append(1 + max((depth[n] for n in _refs(body)), default=-1))

    def rank(index: int) -> tuple[Any, ...]:
        body = defs[index]
        kind = (
            (0, "")
            if isinstance(body, str)
            else (1, "")
            if isinstance(body, list)
            else (2, ",".join(body))
        )
        text = json.dumps(body, ensure_ascii=False, sort_keys=False)
        return (depth[index], kind, text)

    order = sorted(range(len(defs)), key=rank)
    new = {old: place for place, old in enumerate(order)}
    return {
        "defs": [_renumbered(defs[old], new) for old in order],
        "root": _renumbered(document["root"], new),
    }


def unshare(document: Shared) -> Any:
    """``share`` undone: what the page's script reads."""
    defs = list(document["defs"])

    def resolve(node: Any) -> Any:
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if isinstance(node, dict):
            if len(node) == 1 and REF in node:
                return defs[node[REF]]
            return {key: resolve(item) for key, item in node.items()}
        return node

    for index, body in enumerate(defs):
        defs[index] = resolve(body)
    return resolve(document["root"])
