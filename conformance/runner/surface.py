"""Discover the async ORM surface the installed Django really ships, by introspection.

The "exists" half of the report comes from here, never from a table of version numbers: every
async callable (coroutine or async generator function, and the async iteration and context
protocols) on the ORM's classes and the ORM-adjacent APIs that touch the database. Each member
gets a feature id ``<owner>.<name>``; the plugin fails a session in which a member has no check.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.features import OWNERS

ASYNC_PROTOCOLS = ("__aiter__", "__anext__", "__aenter__", "__aexit__")

# Feature ids that read better than the dunder they stand for.
ALIASES = {
    "queryset.__aiter__": "queryset.async-for",
    "transaction.atomic.__aenter__": "transaction.atomic-async-with",
    "transaction.atomic.__aexit__": "transaction.atomic-async-with",
}

# Protocols whose presence the report shows even where they are missing.
WATCHED_PROTOCOLS = (
    ("queryset", "django.db.models:QuerySet", "__aiter__"),
    ("transaction.atomic", "django.db.transaction:Atomic", "__aenter__"),
)


@dataclass(frozen=True)
class Member:
    feature: str
    owner: str  # dotted path of the class or module it was found on
    name: str


def resolve(path: str) -> object:
    """The module (``"pkg.mod"``) or attribute (``"pkg.mod:Class.attr"``) a path names."""
    module, _, attribute = path.partition(":")
    found: object = importlib.import_module(module)
    for part in filter(None, attribute.split(".")):
        found = getattr(found, part)
    return found


def related_descriptors() -> dict[str, Any]:
    """The relation of testapp that stands for each kind of related manager."""
    from testapp.models import Article, Author, Tag

    return {
        "related.reverse-fk": Author.articles,
        "related.m2m": Article.tags,
        "related.m2m-reverse": Tag.articles,
        "related.generic": Article.notes,
    }


def owner_object(prefix: str) -> tuple[str, object]:
    """(path, object) of the class or module an owner prefix names; ImportError or
    AttributeError when this release does not have it (AsyncPaginator before 6.0)."""
    path = OWNERS[prefix].path
    if path is None:
        descriptor = related_descriptors()[prefix]
        return f"{type(descriptor).__name__}.related_manager_cls", descriptor.related_manager_cls
    return path, resolve(path)


def _sources() -> Iterator[tuple[str, str, object]]:
    """(feature prefix, owner path, object) for everything the surface is looked for on."""
    for prefix in OWNERS:
        try:
            path, owner = owner_object(prefix)
        except (ImportError, AttributeError):
            continue  # e.g. AsyncPaginator before it existed: its members are simply absent
        yield prefix, path, owner


def sources() -> Iterator[tuple[str, object]]:
    """(owner path, object) for every owner this release has."""
    for _, path, owner in _sources():
        yield path, owner


def _is_async(value: object) -> bool:
    function = getattr(value, "__func__", value)
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def _members_of(owner: object) -> Iterator[tuple[str, object]]:
    for name in dir(owner):
        if not (name.startswith("a") or name in ASYNC_PROTOCOLS):
            continue
        try:
            value = inspect.getattr_static(owner, name)
        except AttributeError:
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if name in ASYNC_PROTOCOLS or _is_async(value):
            yield name, value


def discover() -> list[Member]:
    """Every async member of the surface, each once, in a stable order."""
    seen: set[int] = set()
    found: dict[str, Member] = {}
    for prefix, path, owner in _sources():
        for name, value in _members_of(owner):
            if id(value) in seen:
                continue
            seen.add(id(value))
            feature_id = f"{prefix}.{name}"
            feature_id = ALIASES.get(feature_id, feature_id)
            found.setdefault(feature_id, Member(feature_id, path, name))
    return sorted(found.values(), key=lambda member: member.feature)


def protocols() -> dict[str, bool]:
    """Whether each watched async protocol exists, present or not."""
    result = {}
    for prefix, path, name in WATCHED_PROTOCOLS:
        feature_id = ALIASES.get(f"{prefix}.{name}", f"{prefix}.{name}")
        result[feature_id] = hasattr(resolve(path), name)
    return result
