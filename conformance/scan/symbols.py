"""What the scanned tree's names are: imports followed to their origin, classes to their kind.

The scan types a receiver before it reads its method's name: ``serializer.asave()`` is a
serializer's when ``serializer`` was built from a class deriving from a third-party one, and
``get_or_404(...)`` is Django's ``aget_object_or_404`` when that is what the alias imports. An
origin is a dotted path: ``django.shortcuts.aget_object_or_404`` (Django's),
``tree:<file>:<name>`` (defined in the scanned tree) or any other module's path (third-party).
Imports are followed through the tree's own modules (re-exports, resolvable star imports).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from conformance.scan import vocabulary as v
from conformance.scan.models import ModelIndex, last_name

TREE = "tree:"
MAX_REEXPORTS = 8  # how many modules a name is followed through
TEST_FOLDERS = frozenset({"tests", "test"})


def is_test_path(path: str) -> bool:
    """Test modules: their models only count in the files that import them."""
    parts = Path(path).parts
    name = parts[-1] if parts else ""
    return (
        bool(TEST_FOLDERS.intersection(parts[:-1]))
        or name.startswith("test_")
        or name in {"tests.py", "conftest.py"}
    )


@dataclass(frozen=True)
class Import:
    module: str  # as written, without the leading dots
    name: str | None  # None for ``import x.y``
    level: int  # leading dots of a relative import


@dataclass
class Symbols:
    """Per file: imported names, star imports, top-level definitions and module globals."""

    imports: dict[str, dict[str, Import]] = field(default_factory=dict)
    stars: dict[str, list[Import]] = field(default_factory=dict)
    defined: dict[str, set[str]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)
    by_module: dict[str, str] = field(default_factory=dict)  # dotted suffix -> file

    def add(self, path: str, module: ast.Module) -> None:
        self.files.add(path)
        parts = list(Path(path).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        for start in range(len(parts)):
            self.by_module.setdefault(".".join(parts[start:]), path)
        imports = self.imports.setdefault(path, {})
        defined = self.defined.setdefault(path, set())
        for node in module.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for node in ast.walk(module):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    found = Import(node.module or "", alias.name, node.level)
                    if alias.name == "*":
                        self.stars.setdefault(path, []).append(found)
                    else:
                        imports[alias.asname or alias.name] = found
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    module_path = alias.name if alias.asname else local
                    imports[local] = Import(module_path, None, 0)

    def module_file(self, importer: str, found: Import) -> str | None:
        """The scanned file an import names, if the tree holds it."""
        if found.level == 0:
            return self.by_module.get(found.module)
        base = Path(importer).parent
        for _ in range(found.level - 1):
            base = base.parent
        target = base.joinpath(*found.module.split(".")) if found.module else base
        for candidate in (f"{target}.py", str(target / "__init__.py")):
            if candidate in self.files:
                return candidate
        return None

    def origin(self, path: str, name: str, depth: int = 0) -> str | None:
        """Where a name used in ``path`` comes from (see the module docstring); ``None`` for
        builtins and names the tree does not define or import."""
        found = self.imports.get(path, {}).get(name)
        if found is not None:
            return self._imported(path, found, depth)
        if name in self.defined.get(path, set()):
            return f"{TREE}{path}:{name}"
        for star in self.stars.get(path, []):
            target = self.module_file(path, star)
            resolved = (
                self.origin(target, name, depth + 1)
                if target is not None and depth < MAX_REEXPORTS
                else None
            )
            if resolved is not None:
                return resolved
        return None

    def _imported(self, path: str, found: Import, depth: int) -> str:
        if found.name is None:
            return found.module
        target = self.module_file(path, found)
        if target is not None and depth < MAX_REEXPORTS:
            if (resolved := self.origin(target, found.name, depth + 1)) is not None:
                return resolved
            # ``from .pkg import module``: the module itself.
            as_module = self.module_file(
                path, Import(f"{found.module}.{found.name}".strip("."), None, found.level)
            )
            return f"{TREE}{as_module or target}:{found.name}"
        if found.level:
            return f"{TREE}?:{found.name}"  # a relative import the tree does not hold
        return f"{found.module}.{found.name}"

    def qualified(self, path: str, node: ast.expr) -> str | None:
        """``transaction.atomic`` -> ``django.db.transaction.atomic``; a Name's origin.

        Attributes of a name defined in the tree have no dotted origin (``None``)."""
        attributes: list[str] = []
        while isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.origin(path, node.id)
        if not attributes:
            return base
        if base is None or base.startswith(TREE):
            return None
        return ".".join([base, *reversed(attributes)])


def is_django(origin: str | None) -> bool:
    return origin is not None and (origin == "django" or origin.startswith("django."))


def is_app_models(origin: str | None) -> bool:
    """A name from a ``models`` module the scan was not given (``from shop.models import
    Product`` while scanning another app): a model of the project, most likely."""
    return (
        origin is not None
        and not origin.startswith(TREE)
        and not is_django(origin)
        and "models" in origin.split(".")[:-1]
    )


def is_third_party(origin: str | None) -> bool:
    """Another library's name: neither Django's, the tree's, nor a project app's models."""
    return (
        origin is not None
        and not origin.startswith(TREE)
        and not is_django(origin)
        and not is_app_models(origin)
    )


@dataclass(frozen=True)
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    path: str
    owner: str | None  # the enclosing class, if any


@dataclass
class ClassInfo:
    node: ast.ClassDef
    path: str


def class_bases(symbols: Symbols, info: ClassInfo) -> list[str | None]:
    """The origins of a class's bases (``None`` where a base cannot be resolved)."""
    return [symbols.qualified(info.path, base) for base in info.node.bases]


def _base_origins(
    symbols: Symbols, classes: dict[str, ClassInfo], name: str, *, follow_unresolved: bool
) -> Iterator[str | None]:
    """The origin of every base of a tree class and of the tree classes it derives from, at
    any depth (``None`` where a base cannot be resolved; with ``follow_unresolved``, a tree
    class of that base's name is followed too)."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen or current not in classes:
            continue
        seen.add(current)
        for origin, base in zip(
            class_bases(symbols, classes[current]), classes[current].node.bases, strict=True
        ):
            yield origin
            if origin is not None and origin.startswith(TREE):
                pending.append(origin.rpartition(":")[2])
            elif origin is None and follow_unresolved and (base_name := last_name(base)):
                pending.append(base_name)


def foreign_class(symbols: Symbols, classes: dict[str, ClassInfo], name: str) -> bool:
    """A class of the tree deriving, at any depth, from a third-party class."""
    origins = _base_origins(symbols, classes, name, follow_unresolved=True)
    return any(is_third_party(origin) for origin in origins)


def django_ancestors(symbols: Symbols, classes: dict[str, ClassInfo], name: str) -> list[str]:
    """The Django classes a tree class derives from, at any depth (``django.test.TestCase``)."""
    origins = _base_origins(symbols, classes, name, follow_unresolved=False)
    return [origin for origin in origins if origin is not None and is_django(origin)]


def model_of_value(
    value: ast.expr, models: ModelIndex, key_of: Callable[[ast.expr], str | None]
) -> str | None:
    """The model an expression evidently builds or fetches (``M(...)``, ``await
    M.objects...aget()``), for typing attributes assigned in other methods; ``key_of`` says
    which model a class name means in its file."""
    call = value.value if isinstance(value, ast.Await) else value
    if not isinstance(call, ast.Call):
        return None
    if isinstance(call.func, ast.Name):
        return key_of(call.func)
    node: ast.expr = call.func
    if isinstance(node, ast.Attribute) and node.attr in v.INSTANCE_RETURNING:
        node = node.value
        while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        if isinstance(node, ast.Attribute) and node.attr in models.managers:
            return key_of(node.value)
    return None
