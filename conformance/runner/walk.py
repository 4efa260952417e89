"""Every public async API the installed Django ships, found by walking the package itself.

No list of owners bounds what this finds: each importable module of ``django`` is imported, and
every function, class and method it defines is looked at, down to the classes that factories
build inside functions (the related managers of ``create_forward_many_to_many_manager``), by
following code objects. An API is *async* when its code is a coroutine or an async generator,
or when it implements an async protocol (``__aiter__``, ``__aenter__``...). Each is named by
where it is defined (``django.db.models.query.QuerySet.aget``) and identified by its code
object, so a check of ``Article.objects.aget`` and the walk agree on what was checked.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import CodeType, FunctionType, ModuleType
from typing import Any

ASYNC_PROTOCOLS = ("__aiter__", "__anext__", "__aenter__", "__aexit__", "__acall__")
# The sync method each async protocol stands in for.
PROTOCOL_TWINS = {
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__acall__": "__call__",
}
_ASYNC_FLAGS = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE
# A class body's code object runs with a plain namespace: neither flag is set.
_FUNCTION_FLAGS = inspect.CO_OPTIMIZED | inspect.CO_NEWLOCALS


@dataclass(frozen=True)
class AsyncApi:
    """One async API: where it is defined, what kind it is, and its sync twin if it has one."""

    name: str  # module + qualified name: django.db.models.query.QuerySet.aget
    module: str
    qualname: str
    kind: str  # "coroutine function", "coroutine method", "async generator", "async protocol"
    twin: str | None  # the sync twin's name, in the same place, when one exists
    defined_by: str  # the module the function object says it comes from (a patch shows here)
    code: CodeType


@dataclass(frozen=True)
class SkippedModule:
    module: str
    reason: str


@dataclass(frozen=True)
class Walk:
    apis: tuple[AsyncApi, ...]
    skipped: tuple[SkippedModule, ...]
    modules: int


def _is_public(part: str) -> bool:
    return (
        not part.startswith("_")
        or part in ASYNC_PROTOCOLS
        or (part.startswith("__") and part.endswith("__"))
    )


# Packages that cannot work without a library, and the modules that load it: when one fails,
# the whole package is skipped with that reason (else each of its modules fails slowly).
PREREQUISITES = {"django.contrib.gis": ("django.contrib.gis.gdal", "django.contrib.gis.geos")}


# Django's backends that need a driver. A release's environment is shared by its cells, so
# whether another database's driver is installed depends on which cells ran there first: only
# the cell's own backend is walked, and a cell's surface never depends on that order.
DRIVER_BACKENDS = frozenset({"mysql", "oracle", "postgresql"})


def _cell_vendor() -> str:
    from django.db import connection

    return connection.vendor


def _skip_reason(module: str) -> str | None:
    """Why a module is not walked at all, before it is imported."""
    parts = module.split(".")
    if "tests" in parts:
        return "Django's own tests, not an API"
    if any(part.startswith("_") and not part.startswith("__") for part in parts):
        return "a private module"
    backend = parts[3] if parts[:3] == ["django", "db", "backends"] and len(parts) == 4 else None
    if backend in DRIVER_BACKENDS and backend != _cell_vendor():
        return "another database's backend: walked in that database's cells"
    return None


def _import_reason(module: str, exc: BaseException) -> str:
    """Why a module could not be imported, in words a reader can act on."""
    text = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    if module.startswith("django.contrib.gis"):
        return f"needs GeoDjango's libraries (GDAL, GEOS) or a spatial database: {text}"
    if module.startswith("django.db.backends."):
        return f"a database backend whose driver this cell does not install: {text}"
    if isinstance(exc, RuntimeError) and "INSTALLED_APPS" in str(exc):
        return f"its app is not in testapp's INSTALLED_APPS: {text}"
    return text


def modules(package: str = "django") -> Iterator[tuple[str, ModuleType | None, str | None]]:
    """(name, module or None, why not) for every module of ``package``, depth first in name
    order. A package that cannot be imported is reported once: nothing under it is tried."""
    if (reason := _skip_reason(package)) is not None:
        yield package, None, reason
        return
    try:
        for needed in PREREQUISITES.get(package, ()):
            importlib.import_module(needed)
        module = importlib.import_module(package)
    except Exception as exc:  # any import-time failure is a reason, never a crash
        yield package, None, _import_reason(package, exc)
        return
    yield package, module, None
    path = getattr(module, "__path__", None)
    if path is None:
        return
    for info in sorted(pkgutil.iter_modules(path, f"{package}."), key=lambda info: info.name):
        yield from modules(info.name)


def _unwrap(value: Any) -> FunctionType | None:
    """The plain function behind a method, static/class method, property getter or decorator."""
    # type(), never isinstance(): a lazy object (``admin.site``) would set itself up.
    kind = type(value)
    if not issubclass(kind, (FunctionType, staticmethod, classmethod, property)) and (
        kind.__name__ != "cached_property"
    ):
        return None
    if issubclass(kind, (staticmethod, classmethod)):
        value = value.__func__
    elif issubclass(kind, property):
        value = value.fget
    elif kind.__name__ == "cached_property":
        value = value.func
    try:
        value = inspect.unwrap(value)
    except ValueError:
        return None
    return value if type(value) is FunctionType else None


def _is_async(name: str, code: CodeType) -> bool:
    return bool(code.co_flags & _ASYNC_FLAGS) or name in ASYNC_PROTOCOLS


def _kind(name: str, code: CodeType, in_class: bool) -> str:
    if code.co_flags & inspect.CO_ASYNC_GENERATOR:
        return "async generator"
    if name in ASYNC_PROTOCOLS:
        return "async protocol"
    return "coroutine method" if in_class else "coroutine function"


def _twin_names(name: str) -> list[str]:
    """The names a sync twin of ``name`` may have, most likely first."""
    if name in PROTOCOL_TWINS:
        return [PROTOCOL_TWINS[name]]
    found = []
    if name.startswith("async_"):
        found.append(name.removeprefix("async_"))
    if name.endswith("_async"):
        found.append(name.removesuffix("_async"))
    if name.startswith("a") and len(name) > 1:
        found.append(name[1:])
    return found


def _twin(module: str, qualname: str, owner: Any) -> str | None:
    """Where the sync twin of ``module.qualname`` is: the same owner's ``get`` for ``aget``, or
    the sync class's method for an ``Async`` class (``AsyncPaginator.acount`` ->
    ``Paginator.count``, ``AsyncClient.get`` -> ``Client.get``)."""
    where, _, name = qualname.rpartition(".")
    candidates = [(owner, where, twin) for twin in _twin_names(name)]
    if isinstance(owner, type) and owner.__name__.startswith("Async"):
        sync_name = owner.__name__.removeprefix("Async")
        sync_owner = getattr(sys.modules.get(owner.__module__), sync_name, None)
        sync_where = f"{where.rpartition('.')[0]}.{sync_name}".lstrip(".")
        for twin in (*_twin_names(name), name):
            candidates.append((sync_owner, sync_where, twin))
    for found_on, path, twin in candidates:
        if found_on is not None and getattr(found_on, twin, None) is not None:
            return f"{module}.{path}.{twin}" if path else f"{module}.{twin}"
    return None


class _Walker:
    def __init__(self) -> None:
        self.found: dict[CodeType, AsyncApi] = {}
        self.classes: set[int] = set()

    def function(self, module: str, qualname: str, function: FunctionType, owner: Any) -> None:
        name = qualname.rpartition(".")[2]
        code = function.__code__
        if _is_async(name, code) and all(map(_is_public, qualname.split("."))):
            in_class = not isinstance(owner, ModuleType)
            self.found.setdefault(
                code,
                AsyncApi(
                    name=f"{module}.{qualname}",
                    module=module,
                    qualname=qualname,
                    kind=_kind(name, code, in_class=in_class),
                    twin=_twin(module, qualname, owner),
                    defined_by=getattr(function, "__module__", None) or module,
                    code=code,
                ),
            )
        self.nested(module, qualname, code)

    def nested(self, module: str, qualname: str, code: CodeType) -> None:
        """Classes a function builds (factories): their methods are APIs too."""
        for const in code.co_consts:
            if not isinstance(const, CodeType):
                continue
            if const.co_flags & _FUNCTION_FLAGS:
                self.nested(module, f"{qualname}.<locals>.{const.co_name}", const)
            else:
                self.class_body(module, f"{qualname}.<locals>.{const.co_name}", const)

    def class_body(self, module: str, qualname: str, body: CodeType) -> None:
        """A class defined inside a function, seen only as code: its methods by their code."""
        for const in body.co_consts:
            if not isinstance(const, CodeType) or not const.co_flags & _FUNCTION_FLAGS:
                continue
            method = f"{qualname}.{const.co_name}"
            if _is_async(const.co_name, const) and all(map(_is_public, method.split("."))):
                self.found.setdefault(
                    const,
                    AsyncApi(
                        name=f"{module}.{method}",
                        module=module,
                        qualname=method,
                        kind=_kind(const.co_name, const, in_class=True),
                        twin=_local_twin(body, const.co_name, f"{module}.{qualname}"),
                        defined_by=module,
                        code=const,
                    ),
                )
            self.nested(module, method, const)

    def cls(self, module: str, qualname: str, cls: type) -> None:
        if id(cls) in self.classes:
            return
        self.classes.add(id(cls))
        for attribute, value in vars(cls).items():
            if issubclass(type(value), type):
                if value.__qualname__ == f"{cls.__qualname__}.{attribute}":
                    self.cls(module, f"{qualname}.{attribute}", value)
                continue
            if (function := _unwrap(value)) is not None:
                self.function(module, f"{qualname}.{attribute}", function, cls)


def _local_twin(body: CodeType, name: str, where: str) -> str | None:
    names = {const.co_name for const in body.co_consts if isinstance(const, CodeType)}
    return next((f"{where}.{twin}" for twin in _twin_names(name) if twin in names), None)


def walk(package: str = "django") -> Walk:
    """Every public async API of ``package`` as installed, each once, in name order."""
    walker = _Walker()
    skipped, count = [], 0
    homes: list[tuple[str, str, Any]] = []
    for name, module, reason in modules(package):
        if module is None:
            skipped.append(SkippedModule(name, reason or "not importable"))
            continue
        count += 1
        for attribute, value in sorted(vars(module).items()):
            if issubclass(type(value), type):
                if value.__module__ == name and value.__qualname__ == attribute:
                    homes.append((name, attribute, value))
            elif (function := _unwrap(value)) is not None:
                # A function lives where it is defined; one placed on a module by anything
                # else (a patch, a package) is walked where it was found.
                home = getattr(function, "__module__", None)
                if home == name or home not in sys.modules or not str(home).startswith(package):
                    homes.append((name, attribute, function))
    for name, attribute, value in homes:
        if issubclass(type(value), type):
            walker.cls(name, attribute, value)
        else:
            walker.function(name, attribute, value, sys.modules[name])
    apis = sorted(walker.found.values(), key=lambda api: api.name)
    return Walk(tuple(apis), tuple(skipped), count)


def code_of(value: Any) -> CodeType | None:
    """The code object behind a callable as the walk sees it (methods, decorators unwrapped)."""
    function = _unwrap(value)
    return function.__code__ if function is not None else None
