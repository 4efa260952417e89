"""Write each repeated part of a JSON value once: the evidence of one feature repeats itself.

A feature's evidence holds one entry per cell, and most cells ran the same check on the same
call with the same outcome: the same snippet, check id, signature and observations, 22 times.
``share`` writes every subtree (object or list) and every long string that occurs more than
once a single time, in ``defs``, and a ``{"$ref": n}`` where it stood, so a feature's evidence
is small enough to sit in the page as plain JSON (no inflating before its first cell opens).
``defs`` is in post-order: a definition refers only to earlier ones, so the page resolves them
in one pass (``unshare`` in report.js, mirrored here for the tests).
"""

from __future__ import annotations

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
    return {"defs": defs, "root": root}


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
