"""The scanned tree, indexed once: its models, functions, classes, module globals and what
its names are, and what a name can hold (``Binding``, ``QuerySetExpr``).

``parse_tree`` reads every file (as Python reads source) and builds the ``Tree`` the scanners
share; the indexes that need the whole tree (functions returning QuerySets, attributes set in
other methods) are computed here, before any function is scanned.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from conformance.scan import vocabulary as v
from conformance.scan.models import ModelIndex, index_models, last_name, model_name
from conformance.scan.sources import parse_source
from conformance.scan.symbols import (
    TREE,
    ClassInfo,
    Function,
    Symbols,
    django_ancestors,
    foreign_class,
    is_app_models,
    is_django,
    is_test_path,
    is_third_party,
    model_of_value,
)

EVERYTHING: frozenset[str] = frozenset({"*"})  # select_related() without arguments


@dataclass(frozen=True)
class Binding:
    """What a name holds, as far as the scan can type it.

    ``kind``: ``queryset``, its ``iterator``, a model ``instance``, a list of ``instances``
    already fetched, a ``related`` manager (``model`` declares it, ``owner`` is its kind), a
    Django object of a measured ``owner`` (``django``), an ``object`` of a tree class
    (``model`` names it), or ``foreign`` (another library's: never a finding).
    """

    kind: str
    model: str | None = None
    loaded: frozenset[str] = frozenset()
    prefetches: bool = False  # a QuerySet with prefetch_related()
    certain: bool = True
    owner: str | None = None

    def has_loaded(self, relation: str) -> bool:
        return self.loaded is EVERYTHING or relation in self.loaded


FOREIGN = Binding("foreign")


@dataclass(frozen=True)
class QuerySetExpr:
    """An unevaluated QuerySet: its model when known, what it loads, whether it prefetches.

    ``cached`` marks a related manager its instance prefetched: its ``all()`` runs no query.
    """

    model: str | None
    loaded: frozenset[str]
    prefetches: bool
    cached: bool = False
    certain: bool = True


@dataclass
class Tree:
    """The scanned files: their models, functions, classes and what their names are."""

    models: ModelIndex
    vocabulary: v.Vocabulary
    symbols: Symbols = field(default_factory=Symbols)
    functions: dict[str, list[Function]] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    # Classes deriving from a QuerySet or a Manager: ``self`` in their methods is a QuerySet.
    queryset_classes: set[str] = field(default_factory=set)
    # Functions, methods and properties returning a QuerySet (ids of their nodes), and the
    # names of those defined on QuerySet classes: they extend a chain like ``filter``.
    queryset_functions: set[int] = field(default_factory=set)
    queryset_methods: set[str] = field(default_factory=set)
    # (class, attribute) -> the model of what ``self.attribute`` was assigned.
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    # path -> module-level name -> what it holds (``message_posted = Signal()``).
    globals: dict[str, dict[str, Binding]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def visible_models(self, path: str) -> set[str]:
        """Models a file may mean by name: the project's, and test models it imports."""
        names = self.symbols.imports.get(path, {}).keys() | self.symbols.defined.get(path, set())
        return {
            key
            for key in self.models.models
            if not is_test_path(self.models.paths.get(key, "")) or model_name(key) in names
        }

    def model_key(self, origin: str | None, name: str | None) -> str | None:
        """The model a class name means where its origin is known (``tree:<path>:<name>``),
        else the one model of that name; ``None`` for a class that is not a model."""
        if origin is not None and origin.startswith(TREE):
            path, _, defined = origin[len(TREE) :].rpartition(":")
            if (key := self.models.keys.get((path, defined))) is not None:
                return key
        return self.models.unique(name) if name else None

    def class_binding(self, origin: str | None) -> Binding | None:
        """What calling (or annotating with) the class at ``origin`` gives."""
        if origin is None:
            return None
        name = origin.rpartition(":" if origin.startswith(TREE) else ".")[2]
        if is_django(origin):
            if name in v.QUERYSET_ANNOTATIONS or name.endswith(v.QUERYSET_CLASS_SUFFIXES):
                return Binding("queryset")
            owner = self.vocabulary.owner_of_class(origin)
            return Binding("django", owner=owner) if owner else None
        if origin.startswith(TREE):
            if (key := self.model_key(origin, name)) is not None:
                return Binding("instance", key)
            if name in self.queryset_classes:
                return Binding("queryset")
            if name not in self.classes:
                return None
            if foreign_class(self.symbols, self.classes, name):
                return FOREIGN
            for ancestor in django_ancestors(self.symbols, self.classes, name):
                if owner := self.vocabulary.owner_of_class(ancestor):
                    return Binding("django", owner=owner)
            return Binding("object", name)
        if is_app_models(origin) and name[:1].isupper():
            return Binding("instance", name, certain=False)
        return FOREIGN if name[:1].isupper() else None

    def method(self, owner: str, name: str) -> Function | None:
        return next((f for f in self.functions.get(name, []) if f.owner == owner), None)


def decorated_sync_to_async(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        last_name(d if not isinstance(d, ast.Call) else d.func) in v.SYNC_TO_ASYNC
        for d in node.decorator_list
    )


def is_property(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(last_name(d) in {"property", "cached_property"} for d in node.decorator_list)


def _index_functions(tree: Tree, path: str, module: ast.Module) -> None:
    """Every class and function of a module, in source order, each function with its class.

    Walked with a stack, not recursion: an expression nested a thousand levels deep is a
    file to index like any other.
    """
    pending: list[tuple[ast.AST, str | None]] = [(module, None)]
    while pending:
        node, owner = pending.pop()
        children: list[tuple[ast.AST, str | None]] = []
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                tree.classes.setdefault(child.name, ClassInfo(child, path))
                if any(
                    (last_name(b) or "").endswith(v.QUERYSET_CLASS_SUFFIXES) for b in child.bases
                ):
                    tree.queryset_classes.add(child.name)
                children.append((child, child.name))
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                tree.functions.setdefault(child.name, []).append(Function(child, path, owner))
                if owner is not None:
                    _index_attributes(tree, path, owner, child)
                children.append((child, None))
            else:
                children.append((child, owner))
        pending.extend(reversed(children))


def _index_attributes(
    tree: Tree, path: str, owner: str, method: ast.FunctionDef | ast.AsyncFunctionDef
) -> None:
    """``self.room = await Room.objects.aget(...)`` in one method types ``self.room`` in all."""

    def key_of(node: ast.expr) -> str | None:
        return tree.model_key(tree.symbols.qualified(path, node), last_name(node))

    for node in ast.walk(method):
        if not isinstance(node, ast.Assign):
            continue
        model = model_of_value(node.value, tree.models, key_of)
        for target in node.targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
                and model is not None
            ):
                key = (owner, target.attr)
                known = tree.attributes.get(key)
                tree.attributes[key] = model if known in {None, model} else ""


def _index_globals(tree: Tree, path: str, module: ast.Module) -> None:
    """Module-level objects of measured Django classes (``message_posted = Signal()``)."""
    found = tree.globals.setdefault(path, {})
    for node in module.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            origin = tree.symbols.qualified(path, node.value.func)
            binding = tree.class_binding(origin) if is_django(origin) else None
            if binding is not None:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = binding


def _returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """The values a function returns, nested functions and classes left out."""
    found: list[ast.expr] = []
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node.value)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            pending.extend(ast.iter_child_nodes(node))
    return found


def _returns_queryset(tree: Tree, function: Function, value: ast.expr) -> bool:
    """Whether a returned expression is, by its syntax, a QuerySet not yet evaluated."""
    while True:
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            if value.func.attr == "get_queryset":
                return True
            if value.func.attr not in v.QUERYSET_BUILDERS | tree.queryset_methods:
                break
            value = value.func.value
        elif isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice):
            value = value.value
        else:
            break
    if isinstance(value, ast.Name) and value.id == "self":
        return function.owner in tree.queryset_classes
    if isinstance(value, ast.Attribute):
        owner = value.value
        if value.attr in tree.models.managers and isinstance(owner, ast.Name):
            return tree.models.unique(owner.id) is not None or owner.id in {"self", "cls"}
        if isinstance(owner, ast.Name) and owner.id == "self" and function.owner:
            return tree.models.related_kind(value.attr, function.owner) is not None
    if isinstance(value, ast.Call):
        target = _static_target(tree, function, value.func)
        return target is not None and id(target.node) in tree.queryset_functions
    return False


def _static_target(tree: Tree, caller: Function, func: ast.expr) -> Function | None:
    if isinstance(func, ast.Name):
        return next((f for f in tree.functions.get(func.id, []) if f.owner is None), None)
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in {"self", "cls"}
        and caller.owner
    ):
        return tree.method(caller.owner, func.attr)
    return None


def _index_queryset_functions(tree: Tree) -> None:
    """Functions, methods and properties returning QuerySets, to a fixed point (one may
    return another's)."""
    everything = [f for functions in tree.functions.values() for f in functions]
    returned = {id(f.node): _returns(f.node) for f in everything}
    while True:
        grown = False
        for function in everything:
            if id(function.node) in tree.queryset_functions:
                continue
            if any(_returns_queryset(tree, function, r) for r in returned[id(function.node)]):
                tree.queryset_functions.add(id(function.node))
                if function.owner in tree.queryset_classes:
                    tree.queryset_methods.add(function.node.name)
                grown = True
        if not grown:
            return


def optional_removed(annotation: ast.expr) -> ast.expr:
    """``Article | None`` and ``Optional[Article]`` -> ``Article``: what the name holds when it
    holds something (other unions stay as written, and are not read)."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        members = [annotation.left, annotation.right]
        kept = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)]
        return kept[0] if len(kept) == 1 else annotation
    if isinstance(annotation, ast.Subscript) and last_name(annotation.value) == "Optional":
        return annotation.slice
    return annotation


def union_members(annotation: ast.expr) -> list[ast.expr]:
    """``A | B | C`` and ``Union[A, B]`` -> their members; anything else -> ``[]``."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return [*(union_members(annotation.left) or [annotation.left]), annotation.right]
    if isinstance(annotation, ast.Subscript) and last_name(annotation.value) == "Union":
        inner = annotation.slice
        return list(inner.elts) if isinstance(inner, ast.Tuple) else [inner]
    return []


def unsubscripted(annotation: ast.expr) -> ast.expr:
    """``QuerySet[Article]`` -> ``QuerySet``; ``"QuerySet"`` stays a string and is not read."""
    return annotation.value if isinstance(annotation, ast.Subscript) else annotation


def parse_tree(files: list[Path], vocabulary: v.Vocabulary) -> tuple[Tree, list[str]]:
    """Parse every file; files that are not valid Python are skipped and named in the list."""
    modules: dict[str, ast.Module] = {}
    skipped = []
    for path in files:
        module, problem = parse_source(path)
        if module is None:
            skipped.append(f"{path}: {problem}")
            continue
        modules[str(path)] = module
    symbols = Symbols()
    for path, module in modules.items():
        symbols.add(path, module)

    def third_party_base(path: str, base: ast.expr) -> bool:
        return is_third_party(symbols.qualified(path, base))

    def defined_at(path: str, name: str) -> tuple[str, str] | None:
        origin = symbols.origin(path, name)
        if origin is None or not origin.startswith(TREE):
            return None
        found, _, defined = origin[len(TREE) :].rpartition(":")
        return found, defined

    models = index_models(modules, vocabulary.sync_of("queryset"), third_party_base, defined_at)
    tree = Tree(models, vocabulary, symbols)
    for path, module in modules.items():
        _index_functions(tree, path, module)
    for path, module in modules.items():
        _index_globals(tree, path, module)
    _index_queryset_functions(tree)
    return tree, skipped
