"""Find the async ORM work in a tree of Python files, from their syntax alone.

One ``Scanner`` walks one function body: every ``async def`` of the tree, and the plain
functions an ``async def`` calls (up to ``MAX_HOPS`` deep), which run in the event loop too.
Receivers are typed first (``symbols``: imports, annotations, constructors, ``isinstance``,
class hierarchies); names decide only where no type is known, and such findings are marked
``certain=False``. The heuristics are described in the package docstring.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field, replace
from pathlib import Path

from conformance.scan import vocabulary as v
from conformance.scan.models import ModelIndex, index_models, last_name, model_name
from conformance.scan.sources import parse_source, read_source
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

MAX_HOPS = 3
EXCERPT = 80  # characters of code shown per finding
EVERYTHING: frozenset[str] = frozenset({"*"})  # select_related() without arguments


@dataclass(frozen=True)
class Finding:
    """One place in the user's code that exercises a measured feature.

    ``form`` says how: ``async`` (the native API, awaited or iterated), ``sync`` (the sync twin
    of ``feature`` called in a coroutine), ``pattern`` (code matching one of the kit's pattern
    features) or ``wrapped`` (``sync_to_async`` around the sync twin of ``feature``).
    ``chain`` lists the calls from the ``async def`` to the function holding a sync call.
    ``certain`` is false where the receiver's type was guessed from its name.
    """

    path: str
    line: int
    feature: str
    form: str
    code: str
    chain: tuple[str, ...] = ()
    certain: bool = True
    detail: str = ""  # what the finding is about, e.g. the relation of a lazy FK read


FindingKey = tuple[str, int, str, str]


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


def _decorated_sync_to_async(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        last_name(d if not isinstance(d, ast.Call) else d.func) in v.SYNC_TO_ASYNC
        for d in node.decorator_list
    )


def _is_property(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(last_name(d) in {"property", "cached_property"} for d in node.decorator_list)


def _index_functions(tree: Tree, path: str, module: ast.Module) -> None:
    def visit(node: ast.AST, owner: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                tree.classes.setdefault(child.name, ClassInfo(child, path))
                if any(
                    (last_name(b) or "").endswith(v.QUERYSET_CLASS_SUFFIXES) for b in child.bases
                ):
                    tree.queryset_classes.add(child.name)
                visit(child, child.name)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                tree.functions.setdefault(child.name, []).append(Function(child, path, owner))
                if owner is not None:
                    _index_attributes(tree, path, owner, child)
                visit(child, None)
            else:
                visit(child, owner)

    visit(module, None)


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


def _optional_removed(annotation: ast.expr) -> ast.expr:
    """``Article | None`` and ``Optional[Article]`` -> ``Article``: what the name holds when it
    holds something (other unions stay as written, and are not read)."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        members = [annotation.left, annotation.right]
        kept = [m for m in members if not (isinstance(m, ast.Constant) and m.value is None)]
        return kept[0] if len(kept) == 1 else annotation
    if isinstance(annotation, ast.Subscript) and last_name(annotation.value) == "Optional":
        return annotation.slice
    return annotation


def _unsubscripted(annotation: ast.expr) -> ast.expr:
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


def find(tree: Tree) -> list[Finding]:
    """Every finding of every ``async def``: one per (path, line, feature, form), the one with
    the shortest chain when several calls reach it."""
    found: dict[FindingKey, Finding] = {}
    for functions in tree.functions.values():
        for function in functions:
            if isinstance(function.node, ast.AsyncFunctionDef):
                Scanner(tree, function, found).run()
    return sorted(found.values(), key=lambda f: (f.path, f.line, f.feature))


class Scanner(ast.NodeVisitor):
    """Walks one function body in source order, tracking what its local names hold."""

    def __init__(
        self,
        tree: Tree,
        function: Function,
        found: dict[FindingKey, Finding],
        chain: tuple[str, ...] = (),
        bindings: dict[str, Binding] | None = None,
    ) -> None:
        self.tree = tree
        self.models = tree.models
        self.vocabulary = tree.vocabulary
        self.function = function
        self.path = function.path
        self.found = found
        self.chain = chain
        self.env: dict[str, Binding] = {}
        self.visible = tree.visible_models(function.path)
        self.reported: set[tuple[str, str]] = set()
        self.awaited: set[int] = set()  # ids of the calls an ``await`` applies to
        # Names the function assigns or takes: they shadow the module's imports.
        arguments = function.node.args
        self.local_names = {
            a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        } | {
            node.id
            for node in ast.walk(function.node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
        }
        self._bind_parameters(bindings or {})

    # -- set-up and output -------------------------------------------------------------------

    def model_key(self, node: ast.expr) -> str | None:
        """The model a class expression (``Article``, ``models.Article``) names, if any."""
        return self.tree.model_key(self.origin(node), last_name(node))

    def origin(self, node: ast.expr) -> str | None:
        """Where a name (or ``module.name``) comes from, unless a local name shadows it."""
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in self.local_names:
            return None
        return self.tree.symbols.qualified(self.path, node)

    def annotation_binding(self, annotation: ast.expr | None) -> Binding | None:
        """What an annotation says a name holds (``QuerySet[Article]``, ``Article``,
        ``ArticleSerializer``); string annotations name the class too."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return None
        annotation = _optional_removed(annotation)
        bare = _unsubscripted(annotation)
        name = last_name(bare)
        if name in v.QUERYSET_ANNOTATIONS:
            argument = annotation.slice if isinstance(annotation, ast.Subscript) else None
            return Binding("queryset", self.model_key(argument) if argument else None)
        if (key := self.model_key(bare)) is not None:
            return Binding("instance", key)
        return self.tree.class_binding(self.origin(bare))

    def _bind_parameters(self, given: dict[str, Binding]) -> None:
        """Parameters passed an instance by the caller, annotated, or named after a model."""
        arguments = self.function.node.args
        owner = self.function.owner
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if argument.arg in given:
                self.env[argument.arg] = given[argument.arg]
                continue
            if argument.arg == "self" and owner is not None:
                binding = self.tree.class_binding(f"{TREE}{self.path}:{owner}")
                if binding is not None:
                    self.env["self"] = binding
                continue
            typed = self.annotation_binding(argument.annotation)
            if typed is not None:
                self.env[argument.arg] = typed
            elif model := self.models.model_named(argument.arg, self.visible):
                self.env[argument.arg] = Binding("instance", model, certain=False)

    def run(self) -> None:
        for statement in self.function.node.body:
            try:
                self.visit(statement)
            except RecursionError:
                self.tree.problems.append(
                    f"{self.path}:{statement.lineno}: nested too deeply to scan; "
                    "the rest of that statement was skipped"
                )

    def excerpt(self, node: ast.AST) -> str:
        """The code of a finding, shortened; a source line where the syntax is too deep to
        print back."""
        try:
            code = ast.unparse(node) if isinstance(node, ast.expr) else ""
        except RecursionError:
            code = ast.get_source_segment(self._source(), node, padded=False) or ""
            code = " ".join(code.split())
        return code if len(code) <= EXCERPT else code[: EXCERPT - 3] + "..."

    def _source(self) -> str:
        return read_source(Path(self.path))

    def report(
        self, node: ast.AST, feature: str, form: str, certain: bool = True, detail: str = ""
    ) -> None:
        line = getattr(node, "lineno", self.function.node.lineno)
        finding = Finding(
            self.path, line, feature, form, self.excerpt(node), self.chain, certain, detail
        )
        key = (finding.path, finding.line, finding.feature, finding.form)
        if key not in self.found or len(self.found[key].chain) > len(finding.chain):
            self.found[key] = finding

    # -- what expressions hold ---------------------------------------------------------------

    def type_of(self, node: ast.expr) -> Binding | None:
        """What an expression holds, from types alone (no guess from names)."""
        if isinstance(node, ast.Await):
            node = node.value
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            origin = self.origin(node)
            if origin and origin.startswith(TREE):
                path, _, name = origin[len(TREE) :].rpartition(":")
                return self.tree.globals.get(path, {}).get(name)
            return self._django_object(origin)
        if isinstance(node, ast.Attribute):
            return self._attribute_type(node)
        if isinstance(node, ast.Call):
            return self._instance_from(node) or self._call_type(node)
        return None

    def _django_object(self, origin: str | None) -> Binding | None:
        """Django's module-level objects of a measured owner: its signals
        (``django.db.models.signals.post_save``)."""
        module = (origin or "").rpartition(".")[0]
        if is_django(origin) and module.endswith(".signals") and self.vocabulary.of(v.SIGNAL):
            return Binding("django", owner=v.SIGNAL)
        return None

    def _attribute_type(self, node: ast.Attribute) -> Binding | None:
        if (typed := self._django_object(self.origin(node))) is not None:
            return typed
        owner = self.type_of(node.value)
        if owner is not None and owner.kind in {"object", "django", "foreign"}:
            class_name = owner.model if owner.kind == "object" else self.function.owner
            is_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            if class_name is not None and (is_self or owner.kind == "object"):
                model = self.tree.attributes.get((class_name, node.attr))
                if model:
                    return Binding("instance", model)
                if node.attr in v.TEST_CLIENT_ATTRIBUTES and any(
                    origin.startswith("django.test")
                    for origin in django_ancestors(self.tree.symbols, self.tree.classes, class_name)
                ):
                    return Binding("django", owner="test.client")
        if owner is not None and owner.kind == "instance":
            kind = self.models.related_kind(node.attr, owner.model)
            if kind is not None:
                return Binding("related", owner.model, owner=kind, certain=owner.certain)
        return None

    def _call_type(self, call: ast.Call) -> Binding | None:
        func = call.func
        if isinstance(func, ast.Attribute):
            receiver = self.type_of(func.value)
            if receiver is not None and receiver.kind == "django" and receiver.owner:
                returned = v.OWNER_RETURNS.get((receiver.owner, func.attr))
                return Binding("django", owner=returned) if returned else None
            if receiver is not None and receiver.kind == "foreign":
                return None
        if isinstance(func, ast.Name) and func.id == "getattr" and len(call.args) >= 2:
            return self._getattr_type(call)
        target = self._resolve(func, plain_only=False)
        if target is not None and target.node.returns is not None:
            # ``def current_article() -> Article``: what the project says it returns.
            return self.annotation_binding(target.node.returns)
        origin = self.origin(func)
        return self.tree.class_binding(origin) if origin else None

    def _getattr_type(self, call: ast.Call) -> Binding | None:
        """``getattr(instance, name)``: its related manager, when ``name`` is one (or, with the
        name unknown, the one kind of relation the model has)."""
        owner = self.instance(call.args[0])
        if owner is None or owner.model is None:
            return None
        name = call.args[1]
        if isinstance(name, ast.Constant) and isinstance(name.value, str):
            kind = self.models.related_kind(name.value, owner.model)
            return Binding("related", owner.model, owner=kind) if kind else None
        kinds = set(self.models.related.get(owner.model, {}).values())
        if not kinds:
            return None
        kind = kinds.pop() if len(kinds) == 1 else "m2m" if "m2m" in kinds else sorted(kinds)[0]
        return Binding("related", owner.model, owner=kind, certain=not kinds)

    def queryset(self, node: ast.expr, by_name: bool = False) -> QuerySetExpr | None:
        """The QuerySet an expression builds without running it, or ``None``.

        ``by_name`` also takes a name Django gives QuerySets (``queryset``, ``qs``,
        ``object_list``) for one: asked only where nothing but a QuerySet would work (awaiting
        its ``a``-methods, ``async for``), since a list under such a name iterates fine.
        """
        loaded: set[str] = set()
        everything = prefetches = filtered = guessed = djangos = False
        while True:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr not in v.QUERYSET_BUILDERS | self.tree.queryset_methods:
                    if not (by_name and self._custom_builder(node.func)):
                        break
                    guessed = True
                if node.func.attr == "get_queryset":
                    break  # a root whatever its receiver (a view, a manager)
                filtered |= node.func.attr != "all"
                djangos |= node.func.attr in v.DJANGO_ONLY_BUILDERS
                if node.func.attr in {"select_related", "prefetch_related"}:
                    prefetches |= node.func.attr == "prefetch_related"
                    names = [a.value for a in node.args if isinstance(a, ast.Constant)]
                    everything |= not node.args
                    loaded |= {str(n).split("__")[0] for n in names}
                node = node.func.value
            elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
                node = node.value
            else:
                break
        root = self._queryset_root(node, by_name)
        if root is None and (djangos or (by_name and filtered)) and not self.is_foreign(node):
            # ``x.items.select_related("y").all()`` awaited or iterated asynchronously: the
            # chain's builders say QuerySet where the receiver's type is unknown.
            root = QuerySetExpr(None, frozenset(), False, certain=False)
        if root is None or (root.cached and filtered is False):
            return None
        if everything or root.loaded is EVERYTHING:
            merged = EVERYTHING
        else:
            merged = frozenset(loaded | root.loaded)
        certain = root.certain and not guessed
        return QuerySetExpr(root.model, merged, prefetches or root.prefetches, certain=certain)

    def _custom_builder(self, func: ast.Attribute) -> bool:
        """``Enrollment.objects.for_course(c)``: a method of a QuerySet that is not Django's
        nor one the tree defines (its app is outside the scan), called on a QuerySet. Where an
        ``a``-method is awaited on the result, it is taken for a custom QuerySet method."""
        name = func.attr
        known = (
            v.INSTANCE_RETURNING
            | self.vocabulary.sync_of("queryset")
            | self.vocabulary.of("queryset")
            | set(self.tree.functions)
        )
        return (
            not name.startswith("_")
            and name not in known
            and self.queryset(func.value, by_name=True) is not None
        )

    def _queryset_root(self, node: ast.expr, by_name: bool) -> QuerySetExpr | None:
        """A manager, a related manager, ``get_queryset()``, a function returning a QuerySet
        or a name holding one."""
        bound = self.type_of(node) if isinstance(node, ast.Name) else None
        if bound is not None and bound.kind == "queryset":
            return QuerySetExpr(bound.model, bound.loaded, bound.prefetches, certain=bound.certain)
        if bound is not None and bound.kind == "related":
            return QuerySetExpr(None, frozenset(), False, certain=bound.certain)
        name = last_name(node) or ""
        if (
            by_name
            and bound is None
            and (name in v.QUERYSET_NAMES or name.endswith(v.QUERYSET_NAME_SUFFIXES))
        ):
            return QuerySetExpr(None, frozenset(), False, certain=False)
        if isinstance(node, ast.Call):
            if last_name(node.func) == "get_queryset":
                return QuerySetExpr(None, frozenset(), False)
            target = self._resolve(node.func, plain_only=False)
            if target is not None and id(target.node) in self.tree.queryset_functions:
                return QuerySetExpr(None, frozenset(), False)
            return None
        if not isinstance(node, ast.Attribute):
            return None
        if node.attr in self.models.managers:
            owner = node.value
            model = last_name(owner)
            if model in {"self", "cls"} and self.function.owner:
                model = self.tree.model_key(f"{TREE}{self.path}:{self.function.owner}", None)
            elif model is not None:
                model = self.model_key(owner) or model
            if isinstance(owner, ast.Name) and (held := self.env.get(owner.id)) is not None:
                model = held.model if held.kind == "model-class" else model
            if isinstance(owner, ast.Call) and last_name(owner.func) == "get_user_model":
                model = "User"
            if model in self.models.models or model == "User" or node.attr != "objects":
                return QuerySetExpr(model, frozenset(), False)
            typed = self.type_of(owner)
            if typed is not None and typed.kind in {"foreign", "object"}:
                return None
            return QuerySetExpr(model, frozenset(), False, certain=model is not None)
        if (related := self.related_kind(node)) is not None:
            owner = self.instance(node.value)
            cached = owner is not None and owner.has_loaded(node.attr)
            return QuerySetExpr(None, frozenset(), False, cached, certain=related[1])
        if by_name and self._unknown_relation(node):
            return QuerySetExpr(None, frozenset(), False, certain=False)
        holder = self.type_of(node.value)
        if holder is not None and holder.kind in {"object", "instance"} and holder.model:
            prop = self.tree.method(model_name(holder.model), node.attr)
            if (
                prop is not None
                and _is_property(prop.node)
                and id(prop.node) in self.tree.queryset_functions
            ):
                return QuerySetExpr(None, frozenset(), False)
        return None

    def _unknown_relation(self, node: ast.Attribute) -> bool:
        """``user.orders`` on an instance of a model the scan has not read (its app is outside
        the scan): where a QuerySet method is awaited on it, a related manager."""
        owner = self.instance(node.value)
        return (
            owner is not None
            and owner.model not in self.models.models
            and not node.attr.startswith("_")
        )

    def related_kind(self, node: ast.expr) -> tuple[str, bool] | None:
        """``article.tags`` -> (``m2m``, certain) when ``tags`` is a related manager of the
        model ``article`` is an instance of; a name bound to ``getattr(article, ...)`` too."""
        if isinstance(node, ast.Name):
            bound = self.env.get(node.id)
            if bound is not None and bound.kind == "related" and bound.owner:
                return bound.owner, bound.certain
            return None
        if not isinstance(node, ast.Attribute):
            return None
        owner = self.instance(node.value)
        if owner is None:
            return None
        kind = self.models.related_kind(node.attr, owner.model)
        return (kind, owner.certain and owner.model is not None) if kind else None

    def instance(self, node: ast.expr) -> Binding | None:
        """The model instance an expression holds: a name, ``self.attr``, one item of a list
        of instances (``objs[0]``), or a name that reads as a model's (not certain)."""
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            listed = self.env.get(node.value.id) if isinstance(node.value, ast.Name) else None
            if listed is not None and listed.kind == "instances":
                return replace(listed, kind="instance")
            return None
        typed = self.type_of(node) if isinstance(node, ast.Name | ast.Attribute) else None
        if typed is not None:
            return typed if typed.kind == "instance" else None
        if isinstance(node, ast.Name) and node.id not in self.env:
            model = self.models.model_named(node.id, self.visible)
            if model is not None and self.origin(node) is None:
                return Binding("instance", model, certain=False)
        return None

    def evaluated(self, value: ast.expr) -> QuerySetExpr | None:
        """The QuerySet ``list(qs)`` or ``await sync_to_async(list)(qs)`` turns into a list."""
        call = value.value if isinstance(value, ast.Await) else value
        if not isinstance(call, ast.Call) or len(call.args) != 1:
            return None
        func = call.func
        if isinstance(func, ast.Call) and last_name(func.func) in v.SYNC_TO_ASYNC and func.args:
            func = func.args[0]
        return self.queryset(call.args[0]) if last_name(func) == "list" else None

    def listed(self, iterable: ast.expr) -> QuerySetExpr | None:
        """A name holding an evaluated list: iterating it runs no query, yields instances."""
        bound = self.env.get(iterable.id) if isinstance(iterable, ast.Name) else None
        if bound is None or bound.kind != "instances":
            return None
        return QuerySetExpr(bound.model, bound.loaded, bound.prefetches)

    def is_foreign(self, node: ast.expr) -> bool:
        """Known not to be Django's: typed so, or named like a serializer, form or cache."""
        typed = self.type_of(node)
        if typed is not None:
            return typed.kind in {"foreign", "object"} or (
                typed.kind == "django" and typed.owner is None
            )
        if isinstance(node, ast.Subscript):
            node = node.value
        return (last_name(node) or "").lower().endswith(v.FOREIGN_NAME_SUFFIXES)

    # -- bindings ----------------------------------------------------------------------------

    def bind(self, target: ast.expr, value: ast.expr | None) -> None:
        """Record what an assignment gives a name; anything unrecognised forgets the name."""
        if isinstance(target, ast.Tuple | ast.List) and target.elts:
            holding = self._instance_from(value) if value is not None else None
            self._set(target.elts[0], holding)
            for element in target.elts[1:]:
                self._set(element, None)
            return
        if value is None:
            self._set(target, None)
            return
        if (qs := self.queryset(value)) is not None:
            self._set(target, Binding("queryset", qs.model, qs.loaded, qs.prefetches, qs.certain))
            return
        if isinstance(value, ast.Call) and (found := self.aiterator(value)):
            qs = found[1]
            self._set(target, Binding("iterator", qs.model, qs.loaded, qs.prefetches))
            return
        if (qs := self.evaluated(value)) is not None:
            self._set(target, Binding("instances", qs.model, qs.loaded, qs.prefetches))
            return
        if isinstance(value, ast.Call) and last_name(value.func) == "get_user_model":
            user = self.models.unique("User")
            self._set(target, Binding("model-class", user))
            return
        self._set(target, self._instance_from(value) or self.type_of(value))

    def _set(self, target: ast.expr, binding: Binding | None) -> None:
        if isinstance(target, ast.Name):
            if binding is None:
                self.env.pop(target.id, None)
            else:
                self.env[target.id] = binding
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and (owner := self.env.get(target.value.id)) is not None
            and owner.kind == "instance"
            and owner.loaded is not EVERYTHING
        ):
            # ``article.author = author`` attaches the relation: no query when it is read.
            self.env[target.value.id] = replace(owner, loaded=owner.loaded | {target.attr})

    def _instance_from(self, value: ast.expr) -> Binding | None:
        """The instance ``await qs.aget(...)``, ``Model(...)`` or ``aget_object_or_404`` returns."""
        call = value.value if isinstance(value, ast.Await) else value
        if not isinstance(call, ast.Call):
            return None
        keywords = frozenset(k.arg for k in call.keywords if k.arg)
        name = last_name(call.func)
        if isinstance(call.func, ast.Name) and (key := self.model_key(call.func)) is not None:
            return Binding("instance", key, keywords)
        shortcut = self.function_feature(call.func)
        if shortcut in {"shortcuts.aget_object_or_404"} and call.args:
            first = call.args[0]
            qs = self.queryset(first)
            if qs is not None:
                return Binding("instance", qs.model, qs.loaded)
            return Binding("instance", first.id if isinstance(first, ast.Name) else None)
        if isinstance(call.func, ast.Attribute) and name in v.INSTANCE_RETURNING:
            qs = self.queryset(call.func.value)
            if qs is not None:
                built = keywords if name in v.INSTANCE_BUILDING else frozenset()
                loaded = qs.loaded if qs.loaded is EVERYTHING else qs.loaded | built
                return Binding("instance", qs.model, loaded, certain=qs.certain)
        return None

    def bind_loop_target(self, target: ast.expr, qs: QuerySetExpr | None) -> None:
        self._set(target, Binding("instance", qs.model, qs.loaded) if qs else None)

    # -- statements --------------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Nested functions run when called, and are followed from the call."""

    visit_AsyncFunctionDef = visit_FunctionDef  # scanned as async defs of their own
    visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        """A lambda runs wherever it is passed; only ``sync_to_async(lambda: ...)`` is read."""

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.bind(target, node.value)
            if not isinstance(target, ast.Name):
                self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.bind(node.target, node.value)
        if isinstance(node.target, ast.Name) and node.target.id not in self.env:
            typed = self.annotation_binding(node.annotation)
            if typed is not None:
                self.env[node.target.id] = typed

    def _narrowed(self, test: ast.expr) -> tuple[str, Binding, bool] | None:
        """``isinstance(x, QuerySet)`` -> (``x``, what it holds, whether ``not`` negates it)."""
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        call = test.operand if negated else test  # type: ignore[attr-defined]
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "isinstance"
            and len(call.args) == 2
            and isinstance(call.args[0], ast.Name)
        ):
            return None
        classes = call.args[1].elts if isinstance(call.args[1], ast.Tuple) else [call.args[1]]
        bindings = [self.annotation_binding(c) for c in classes]
        kinds = {b.kind for b in bindings if b is not None}
        if len(kinds) != 1 or None in bindings:
            return None
        return call.args[0].id, bindings[0], negated  # type: ignore[return-value]

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        narrowed = self._narrowed(node.test)
        if narrowed is None:
            for statement in [*node.body, *node.orelse]:
                self.visit(statement)
            return
        name, binding, negated = narrowed
        before = self.env.get(name)
        narrowed_body, other = (node.orelse, node.body) if negated else (node.body, node.orelse)
        self.env[name] = binding
        for statement in narrowed_body:
            self.visit(statement)
        self._restore(name, before)
        for statement in other:
            self.visit(statement)
        if negated and other and isinstance(other[-1], ast.Return | ast.Raise | ast.Continue):
            # ``if not isinstance(x, QuerySet): return``: below, x is one.
            self.env[name] = binding

    def _restore(self, name: str, before: Binding | None) -> None:
        if before is None:
            self.env.pop(name, None)
        else:
            self.env[name] = before

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        qs = self._iterated(node.iter)
        self.bind_loop_target(node.target, qs)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    def visit_For(self, node: ast.For) -> None:
        qs = self.queryset(node.iter)
        if qs is not None:
            self.report(node.iter, v.ASYNC_FOR, "sync", qs.certain)
        else:
            self.visit(node.iter)
            qs = self.listed(node.iter)
        self.bind_loop_target(node.target, qs)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    def _iterated(self, iterable: ast.expr) -> QuerySetExpr | None:
        """Report what ``async for`` iterates: a QuerySet, or its ``aiterator()``."""
        bound = self.env.get(iterable.id) if isinstance(iterable, ast.Name) else None
        if bound is not None and bound.kind == "iterator":
            return QuerySetExpr(bound.model, bound.loaded, bound.prefetches)
        if isinstance(iterable, ast.Call) and (found := self.aiterator(iterable)):
            self.report(iterable, found[0], "async", found[1].certain)
            return found[1]
        qs = self.queryset(iterable, by_name=True)
        if qs is not None:
            self.report(iterable, v.ASYNC_FOR, "async", qs.certain)
        else:
            self.visit(iterable)
        return qs

    def aiterator(self, call: ast.Call) -> tuple[str, QuerySetExpr] | None:
        """``qs.aiterator()``: its feature (the kit's pattern when ``qs`` prefetches) and ``qs``."""
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr != "aiterator":
            return None
        qs = self.queryset(func.value, by_name=True)
        if qs is None:
            return None
        if not qs.prefetches:
            return v.AITERATOR, qs
        chunked = call.args or any(k.arg == "chunk_size" for k in call.keywords)
        return (v.PREFETCH_AITERATOR_CHUNK_SIZE if chunked else v.PREFETCH_AITERATOR), qs

    def _comprehension(
        self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp
    ) -> None:
        for generator in node.generators:
            if generator.is_async:
                qs = self._iterated(generator.iter)
            else:
                qs = self.queryset(generator.iter)
                if qs is not None:
                    self.report(generator.iter, v.ASYNC_FOR, "sync", qs.certain)
                else:
                    self.visit(generator.iter)
                    qs = self.listed(generator.iter)
            self.bind_loop_target(generator.target, qs)
            for condition in generator.ifs:
                self.visit(condition)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self.visit(part)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def _is_atomic(self, context: ast.expr) -> bool:
        call = context.func if isinstance(context, ast.Call) else context
        origin = self.origin(call)
        if origin is not None:
            return origin.startswith("django.db") and origin.endswith(".atomic")
        return last_name(call) == "atomic"

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        for item in node.items:
            if self._is_atomic(item.context_expr):
                self.report(item.context_expr, v.ATOMIC_ASYNC_WITH, "async")
            self.visit(item.context_expr)
        for statement in node.body:
            self.visit(statement)

    def visit_With(self, node: ast.With) -> None:
        """A sync ``with transaction.atomic():`` in a coroutine opens a transaction from the
        event loop: Django refuses (``SynchronousOnlyOperation``)."""
        for item in node.items:
            if self._is_atomic(item.context_expr):
                self.report(item.context_expr, v.ATOMIC_SYNC_WITH, "pattern")
            self.visit(item.context_expr)
        for statement in node.body:
            self.visit(statement)

    # -- expressions -------------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        owner = self.instance(node.value) if isinstance(node.value, ast.Name) else None
        if isinstance(node.ctx, ast.Load) and owner is not None:
            key = (node.value.id, node.attr)  # type: ignore[attr-defined]
            if key not in self.reported:
                if self.models.is_forward(node.attr, owner.model) and not owner.has_loaded(
                    node.attr
                ):
                    self.reported.add(key)
                    self.report(node, v.LAZY_FORWARD_FK, "pattern", owner.certain, detail=node.attr)
                elif self.models.is_querying_property(node.attr, owner.model):
                    self.reported.add(key)
                    self.report(node, v.PROPERTY_QUERY, "pattern", owner.certain)
        self.generic_visit(node)

    def visit_Await(self, node: ast.Await) -> None:
        if isinstance(node.value, ast.Call):
            self.awaited.add(id(node.value))
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if last_name(node.func) in v.SYNC_TO_ASYNC:
            # sync_to_async(f) alone: what it wraps runs in a thread; only its options are read.
            self._wrapper_arguments(node)
            return
        if isinstance(node.func, ast.Call) and last_name(node.func.func) in v.SYNC_TO_ASYNC:
            self._wrapped(node, node.func)
            return
        found = self.async_feature(node)
        if found is not None:
            self.report(node, found[0], "async", found[1])
        else:
            # Django's sync twins return values, not awaitables: ``await channel.delete()`` is
            # another library's coroutine (discord.py's, say) whatever the name reads like.
            sync = None if id(node) in self.awaited else self.sync_feature(node)
            if sync is not None:
                self.report(node, sync[0], sync[1], sync[2])
            else:
                self._follow(node)
        self.generic_visit(node)

    def _wrapper_arguments(self, wrapper: ast.Call) -> None:
        """The options of ``sync_to_async(...)``, and a callable it is given by calling
        something (``sync_to_async(obj.save())``): that call runs here, in the coroutine."""
        for argument in wrapper.args:
            if isinstance(argument, ast.Call):
                self.visit(argument)
        for keyword in wrapper.keywords:
            self.visit(keyword.value)

    def _wrapped(self, call: ast.Call, wrapper: ast.Call) -> None:
        """``sync_to_async(obj.save)()``: reported when the kit measures a native form of it."""
        wrapped = wrapper.args[0] if wrapper.args else None
        found = self._native_form(call, wrapped) if wrapped is not None else None
        if found is not None:
            self.report(call, found[0], "wrapped", found[1])
        self._wrapper_arguments(wrapper)
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            self.visit(argument)

    def _native_form(self, call: ast.Call, wrapped: ast.expr) -> tuple[str, bool] | None:
        """The async API doing what ``sync_to_async(wrapped)(*call.args)`` does, if any."""
        if isinstance(wrapped, ast.Lambda):
            probe = wrapped.body
        else:
            probe = ast.Call(func=wrapped, args=call.args, keywords=call.keywords)
        sync = self.sync_feature(probe, wrapped=True) if isinstance(probe, ast.Call) else None
        if sync is None:
            return None
        feature = sync[0]
        if feature in v.M2M_PATTERNS.values():
            return f"related.m2m.a{feature.removeprefix('pattern.m2m-')}", sync[2]
        return None if feature.startswith("pattern.") else (feature, sync[2])

    def function_feature(self, func: ast.expr) -> str | None:
        """The feature of a Django async function a call names, through aliases, re-exports
        and module attributes (``auth.alogin``)."""
        origin = self.origin(func)
        if origin is not None:
            return self.vocabulary.function(origin) if is_django(origin) else None
        if isinstance(func, ast.Name):
            # Not imported, not defined here: a star import the tree cannot resolve.
            return self.vocabulary.function(f"django.{func.id}")
        return None

    def _sync_function_feature(self, func: ast.expr) -> str | None:
        origin = self.origin(func)
        return self.vocabulary.sync_function(origin) if is_django(origin) else None

    def owner_feature(self, owner: str, name: str) -> str | None:
        """``owner.name`` when the results measure it; on a QuerySet, also an ``a``-form of one
        of its methods they do not list (``alist``, ``aall``): it is in no release's surface,
        so it is reported, and judged absent."""
        if name in self.vocabulary.of(owner):
            return f"{owner}.{name}"
        twins = v.QUERYSET_BUILDERS | self.vocabulary.sync_of("queryset") | {"list"}
        return f"{owner}.{name}" if owner == "queryset" and name[1:] in twins else None

    def async_feature(self, call: ast.Call) -> tuple[str, bool] | None:
        """(feature, certain) of a call to an async API (``qs.aget()``, ``alogin()``)."""
        func = call.func
        if isinstance(func, ast.Name):
            feature = self.function_feature(func)
            return (feature, True) if feature else None
        if not isinstance(func, ast.Attribute) or not func.attr.startswith("a"):
            return None
        name, receiver = func.attr, func.value
        if (feature := self.function_feature(func)) is not None:
            return feature, True
        typed = self.type_of(receiver)
        if typed is not None:
            return self._typed_async(typed, name, call)
        return self._untyped_async(name, receiver, call)

    def _typed_async(self, typed: Binding, name: str, call: ast.Call) -> tuple[str, bool] | None:
        """The feature of ``receiver.name()`` on a typed receiver (``None``: not Django's)."""
        vocabulary = self.vocabulary
        if typed.kind == "django" and typed.owner:
            feature = self.owner_feature(typed.owner, name)
            return (feature, typed.certain) if feature else None
        if typed.kind == "related" and typed.owner:
            if name in vocabulary.of(f"related.{typed.owner}"):
                return f"related.{typed.owner}.{name}", typed.certain
            return self._queryset_async(name, call, typed.certain)
        if typed.kind == "queryset":
            if name in vocabulary.of("auth.user-manager"):
                return f"auth.user-manager.{name}", typed.certain
            return self._queryset_async(name, call, typed.certain)
        if typed.kind == "instance":
            if name in vocabulary.of("model"):
                return f"model.{name}", typed.certain
            if name in vocabulary.of("auth.user"):
                return f"auth.user.{name}", typed.certain
        return None

    def _queryset_async(self, name: str, call: ast.Call, certain: bool) -> tuple[str, bool] | None:
        if name == "aiterator":
            found = self.aiterator(call)
            return (found[0], found[1].certain) if found else None
        if any(f.owner in self.tree.queryset_classes for f in self.tree.functions.get(name, [])):
            return None  # the project's own async method on its QuerySet or manager
        feature = self.owner_feature("queryset", name)
        return (feature, certain) if feature else None

    def _untyped_async(
        self, name: str, receiver: ast.expr, call: ast.Call
    ) -> tuple[str, bool] | None:
        """Where no type is known: the receiver's syntax, then its name (not certain)."""
        vocabulary = self.vocabulary
        related = self.related_kind(receiver)
        if related is not None and name in vocabulary.of(f"related.{related[0]}"):
            return f"related.{related[0]}.{name}", related[1]
        if (
            name in vocabulary.of("model")
            and isinstance(receiver, ast.Attribute)
            and self.instance(receiver.value) is not None
        ):
            return f"model.{name}", False  # a related instance: ``obj.parent.adelete()``
        qs = self.queryset(receiver, by_name=True)
        if qs is not None:
            if name in vocabulary.of("auth.user-manager"):
                return f"auth.user-manager.{name}", qs.certain
            return self._queryset_async(name, call, qs.certain)
        if self.is_foreign(receiver):
            return None
        if name in vocabulary.of("dispatch.signal"):
            return f"dispatch.signal.{name}", False
        receiver_name = (last_name(receiver) or "").lower()
        for suffix, owner in v.OWNERS_BY_NAME.items():
            if receiver_name.endswith(suffix) and name in vocabulary.of(owner):
                return f"{owner}.{name}", False
        if receiver_name.endswith("client") and name in vocabulary.of("test.client"):
            return f"test.client.{name}", False
        if name in vocabulary.of("auth.user-manager"):
            return f"auth.user-manager.{name}", False
        owner = self.instance(receiver)
        if name in vocabulary.of("model"):
            return f"model.{name}", owner is not None and owner.certain
        return None

    def sync_feature(self, call: ast.Call, wrapped: bool = False) -> tuple[str, str, bool] | None:
        """(feature, form, certain) of a sync ORM call: its ``a``-twin's feature, or the kit's
        pattern. ``wrapped`` (inside ``sync_to_async``) also takes receivers typed by name."""
        func = call.func
        vocabulary = self.vocabulary
        if isinstance(func, ast.Name):
            if func.id in v.EVALUATING_BUILTINS and call.args:
                qs = self.queryset(call.args[0])
                if qs is not None and self.origin(func) is None:
                    return v.ASYNC_FOR, "sync", qs.certain
            feature = self._sync_function_feature(func)
            return (feature, "sync", True) if feature else None
        if not isinstance(func, ast.Attribute):
            return None
        if (feature := self._sync_function_feature(func)) is not None:
            return feature, "sync", True
        name, receiver = func.attr, func.value
        typed = self.type_of(receiver)
        if typed is not None and typed.kind == "foreign":
            return None
        if typed is not None and typed.kind == "django" and typed.owner:
            if typed.certain and f"a{name}" in vocabulary.of(typed.owner):
                return f"{typed.owner}.a{name}", "sync", True
            return None
        related = self.related_kind(receiver)
        if related is not None and name in vocabulary.sync_of(f"related.{related[0]}"):
            if related[0] == "m2m" and name in v.M2M_PATTERNS:
                return v.M2M_PATTERNS[name], "pattern", related[1]
            return f"related.{related[0]}.a{name}", "sync", related[1]
        qs = self.queryset(receiver)
        if qs is not None:
            if name in vocabulary.sync_of("auth.user-manager"):
                return f"auth.user-manager.a{name}", "sync", qs.certain
            if name in vocabulary.sync_of("queryset"):
                return f"queryset.a{name}", "sync", qs.certain
            return None
        if self.is_foreign(receiver):
            return None
        receiver_name = (last_name(receiver) or "").lower()
        if name in vocabulary.sync_of("auth.user") and receiver_name.endswith("user"):
            return f"auth.user.a{name}", "sync", False
        if wrapped:
            for suffix, owner in v.OWNERS_BY_NAME.items():
                if receiver_name.endswith(suffix) and f"a{name}" in vocabulary.of(owner):
                    return f"{owner}.a{name}", "sync", False
        owner = self.instance(receiver)
        if name in vocabulary.sync_of("model") and owner is not None:
            return f"model.a{name}", "sync", owner.certain
        return None

    def _follow(self, call: ast.Call) -> None:
        """Scan the plain function a call reaches, as code running in the event loop."""
        if len(self.chain) >= MAX_HOPS:
            return
        target = self._resolve(call.func)
        if target is None:
            return
        here = f"{self.function.node.name}() at {self.path}:{call.lineno}"
        if any(step.startswith(f"{target.node.name}() at ") for step in self.chain):
            return
        parameters = [a.arg for a in [*target.node.args.posonlyargs, *target.node.args.args]]
        if parameters and parameters[0] in {"self", "cls"} and isinstance(call.func, ast.Attribute):
            parameters = parameters[1:]
        given = {
            parameter: bound
            for parameter, argument in zip(parameters, call.args, strict=False)
            if (bound := self.instance(argument)) is not None
        }
        Scanner(self.tree, target, self.found, (*self.chain, here), given).run()

    def _resolve(self, func: ast.expr, plain_only: bool = True) -> Function | None:
        """The function a call names (with ``plain_only``, not async nor wrapped)."""
        if isinstance(func, ast.Name):
            name, owner, method = func.id, None, False
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name, method = func.attr, func.value.id in {"self", "cls"}
            owner = self.function.owner if method else None
            typed = self.env.get(func.value.id)
            if not method and typed is not None:
                if typed.kind != "object":
                    return None
                owner, method = typed.model, True
        else:
            return None
        candidates = [
            f
            for f in self.tree.functions.get(name, [])
            if (
                not plain_only
                or (isinstance(f.node, ast.FunctionDef) and not _decorated_sync_to_async(f.node))
            )
            and (f.owner == owner if method else f.owner is None)
        ]
        candidates.sort(key=lambda f: f.path != self.path)
        return candidates[0] if candidates else None
