"""Find the async ORM work in a tree of Python files, from their syntax alone.

One ``Scanner`` walks one function body: every ``async def`` of the tree, and the plain
functions an ``async def`` calls (up to ``MAX_HOPS`` deep), which run in the event loop too.
The heuristics are described in the package docstring.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from conformance.scan import vocabulary as v
from conformance.scan.models import ModelIndex, index_models, last_name

MAX_HOPS = 3
# Folders that hold other people's code or generated files, never the project's own.
SKIPPED_FOLDERS = frozenset(
    {".git", ".hg", ".nox", ".tox", ".venv", "venv", "env", "node_modules", "site-packages",
     "__pycache__", "migrations", "build", "dist"}
)  # fmt: skip
EVERYTHING: frozenset[str] = frozenset({"*"})  # select_related() without arguments


@dataclass(frozen=True)
class Finding:
    """One place in the user's code that exercises a measured feature.

    ``form`` says how: ``async`` (the native API, awaited or iterated), ``sync`` (the sync twin
    of ``feature`` called in a coroutine), ``pattern`` (code matching one of the kit's pattern
    features) or ``wrapped`` (``sync_to_async`` around the sync twin of ``feature``).
    ``chain`` lists the calls from the ``async def`` to the function holding a sync call.
    """

    path: str
    line: int
    feature: str
    form: str
    code: str
    chain: tuple[str, ...] = ()


FindingKey = tuple[str, int, str, str]


@dataclass(frozen=True)
class Binding:
    """What a local name holds (a ``queryset``, its ``aiterator()``, a model ``instance`` or a
    list of ``instances`` already fetched), and the relations it loaded."""

    kind: str
    model: str | None
    loaded: frozenset[str] = frozenset()
    prefetches: bool = False  # a QuerySet with prefetch_related()

    def has_loaded(self, relation: str) -> bool:
        return self.loaded is EVERYTHING or relation in self.loaded


@dataclass(frozen=True)
class QuerySetExpr:
    """An unevaluated QuerySet: its model when known, what it loads, whether it prefetches.

    ``cached`` marks a related manager its instance prefetched: its ``all()`` runs no query.
    """

    model: str | None
    loaded: frozenset[str]
    prefetches: bool
    cached: bool = False


@dataclass(frozen=True)
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    path: str
    owner: str | None  # the enclosing class, if any


@dataclass
class Tree:
    """The scanned files' models, their functions by name and their Django imports."""

    models: ModelIndex
    functions: dict[str, list[Function]] = field(default_factory=dict)
    django_imports: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # path -> name -> module
    # path -> names the module defines or imports from elsewhere: they shadow Django's.
    own_names: dict[str, set[str]] = field(default_factory=dict)
    # Classes deriving from a QuerySet or a Manager: ``self`` in their methods is a QuerySet.
    queryset_classes: set[str] = field(default_factory=set)


def python_files(paths: list[Path]) -> Iterator[Path]:
    """The ``.py`` files under ``paths``, skipping virtualenvs, migrations and the like."""
    for path in paths:
        if path.is_file():
            yield path
            continue
        for found in sorted(path.rglob("*.py")):
            if not SKIPPED_FOLDERS.intersection(found.relative_to(path).parts[:-1]):
                yield found


def _decorated_sync_to_async(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        last_name(d if not isinstance(d, ast.Call) else d.func) in v.SYNC_TO_ASYNC
        for d in node.decorator_list
    )


def _index_functions(tree: Tree, path: str, module: ast.Module) -> None:
    def visit(node: ast.AST, owner: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                if any(
                    (last_name(b) or "").endswith(v.QUERYSET_CLASS_SUFFIXES) for b in child.bases
                ):
                    tree.queryset_classes.add(child.name)
                visit(child, child.name)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                tree.functions.setdefault(child.name, []).append(Function(child, path, owner))
                visit(child, None)
            else:
                visit(child, owner)

    visit(module, None)
    imports = tree.django_imports.setdefault(path, {})
    own = tree.own_names.setdefault(path, set())
    for node in module.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            own.add(node.name)
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom):
            django = node.level == 0 and (node.module or "").split(".")[0] == "django"
            for alias in node.names:
                name = alias.asname or alias.name
                if django:
                    imports[name] = node.module or ""
                else:
                    own.add(name)


def _unsubscripted(annotation: ast.expr) -> ast.expr:
    """``QuerySet[Article]`` -> ``QuerySet``; ``"QuerySet"`` stays a string and is not read."""
    return annotation.value if isinstance(annotation, ast.Subscript) else annotation


def _type_argument(annotation: ast.expr | None) -> str | None:
    """``QuerySet[Article]`` -> ``Article``."""
    return last_name(annotation.slice) if isinstance(annotation, ast.Subscript) else None


def parse_tree(files: list[Path]) -> tuple[Tree, list[str]]:
    """Parse every file; files that are not valid Python are skipped and named in the list."""
    modules: dict[str, ast.Module] = {}
    skipped = []
    for path in files:
        try:
            modules[str(path)] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
            skipped.append(f"{path}: not parsed ({exc.__class__.__name__}: {exc})")
    tree = Tree(index_models(modules.values()))
    for path, module in modules.items():
        _index_functions(tree, path, module)
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
        self.function = function
        self.found = found
        self.chain = chain
        self.env: dict[str, Binding] = {}
        self.reported: set[tuple[str, str]] = set()
        self.awaited: set[int] = set()  # ids of the calls an ``await`` applies to
        self._bind_parameters(bindings or {})

    # -- set-up and output -------------------------------------------------------------------

    def _bind_parameters(self, given: dict[str, Binding]) -> None:
        """Parameters passed an instance by the caller, or annotated or named after a model."""
        arguments = self.function.node.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if argument.arg in given:
                self.env[argument.arg] = given[argument.arg]
                continue
            annotation = (
                last_name(_unsubscripted(argument.annotation)) if argument.annotation else None
            )
            if annotation in v.QUERYSET_ANNOTATIONS:
                self.env[argument.arg] = Binding("queryset", _type_argument(argument.annotation))
                continue
            model = annotation if annotation in self.models.models else None
            model = model or self.models.model_named(argument.arg)
            if argument.arg == "self" and self.function.owner in self.models.models:
                model = self.function.owner
            if argument.arg == "self" and self.function.owner in self.tree.queryset_classes:
                self.env["self"] = Binding("queryset", None)
                continue
            if model:
                self.env[argument.arg] = Binding("instance", model)

    def run(self) -> None:
        for statement in self.function.node.body:
            self.visit(statement)

    def report(self, node: ast.AST, feature: str, form: str) -> None:
        line = getattr(node, "lineno", self.function.node.lineno)
        code = ast.unparse(node) if isinstance(node, ast.expr) else ""
        code = code if len(code) <= 80 else code[:77] + "..."
        finding = Finding(self.function.path, line, feature, form, code, self.chain)
        key = (finding.path, finding.line, finding.feature, finding.form)
        if key not in self.found or len(self.found[key].chain) > len(finding.chain):
            self.found[key] = finding

    # -- what expressions hold ---------------------------------------------------------------

    def queryset(self, node: ast.expr, by_name: bool = False) -> QuerySetExpr | None:
        """The QuerySet an expression builds without running it, or ``None``.

        ``by_name`` also takes a name Django gives QuerySets (``queryset``, ``qs``,
        ``object_list``) for one: asked only where nothing but a QuerySet would work (awaiting
        its ``a``-methods, ``async for``), since a list under such a name iterates fine.
        """
        loaded: set[str] = set()
        everything = prefetches = filtered = False
        while True:
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr not in v.QUERYSET_BUILDERS:
                    break
                filtered |= node.func.attr != "all"
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
        if root is None or (root.cached and filtered is False):
            return None
        if everything or root.loaded is EVERYTHING:
            merged = EVERYTHING
        else:
            merged = frozenset(loaded | root.loaded)
        return QuerySetExpr(root.model, merged, prefetches or root.prefetches)

    def _queryset_root(self, node: ast.expr, by_name: bool) -> QuerySetExpr | None:
        """A manager, a related manager, ``get_queryset()`` or a name holding a QuerySet."""
        bound = self.env.get(node.id) if isinstance(node, ast.Name) else None
        if bound is not None and bound.kind == "queryset":
            return QuerySetExpr(bound.model, bound.loaded, bound.prefetches)
        name = last_name(node) or ""
        if (
            by_name
            and bound is None
            and (name in v.QUERYSET_NAMES or name.endswith(v.QUERYSET_NAME_SUFFIXES))
        ):
            return QuerySetExpr(None, frozenset(), False)
        if isinstance(node, ast.Call) and last_name(node.func) == "get_queryset":
            return QuerySetExpr(None, frozenset(), False)
        if not isinstance(node, ast.Attribute):
            return None
        if node.attr in self.models.managers:
            owner = node.value
            model = owner.id if isinstance(owner, ast.Name) else None
            if isinstance(owner, ast.Call) and last_name(owner.func) == "get_user_model":
                model = "User"
            return QuerySetExpr(model, frozenset(), False)
        if self.related_kind(node):
            owner = self.instance(node.value)
            cached = owner is not None and owner.has_loaded(node.attr)
            return QuerySetExpr(None, frozenset(), False, cached)
        return None

    def related_kind(self, node: ast.expr) -> str | None:
        """``article.tags`` -> ``m2m`` when ``tags`` is a related manager of the models."""
        if not isinstance(node, ast.Attribute):
            return None
        owner = self.instance(node.value)
        model = owner.model if owner else None
        if owner is None and isinstance(node.value, ast.Name):
            model = self.models.model_named(node.value.id)
        return self.models.related_kind(node.attr, model)

    def instance(self, node: ast.expr) -> Binding | None:
        """The instance a name holds, or one item of a list of instances (``objs[0]``)."""
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
            listed = self.env.get(node.value.id) if isinstance(node.value, ast.Name) else None
            if listed is not None and listed.kind == "instances":
                return replace(listed, kind="instance")
            return None
        if (
            isinstance(node, ast.Name)
            and (bound := self.env.get(node.id))
            and bound.kind == "instance"
        ):
            return bound
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

    def looks_like_instance(self, node: ast.expr) -> bool:
        """A known instance, or a name that reads as a model's (``article``, ``new_article``)."""
        if self.instance(node) is not None:
            return True
        return isinstance(node, ast.Name) and self.models.model_named(node.id) is not None

    # -- bindings ----------------------------------------------------------------------------

    def bind(self, target: ast.expr, value: ast.expr | None) -> None:
        """Record what an assignment gives a name; anything unrecognised forgets the name."""
        if isinstance(target, ast.Tuple | ast.List) and target.elts:
            holding = self._instance_from(value) if value is not None else None
            self._set(target.elts[0], holding)
            for element in target.elts[1:]:
                self._set(element, None)
            return
        if value is not None and (qs := self.queryset(value)) is not None:
            self._set(target, Binding("queryset", qs.model, qs.loaded, qs.prefetches))
            return
        if isinstance(value, ast.Call) and (found := self.aiterator(value)):
            qs = found[1]
            self._set(target, Binding("iterator", qs.model, qs.loaded, qs.prefetches))
            return
        if value is not None and (qs := self.evaluated(value)) is not None:
            self._set(target, Binding("instances", qs.model, qs.loaded, qs.prefetches))
            return
        self._set(target, self._instance_from(value) if value is not None else None)

    def _set(self, target: ast.expr, binding: Binding | None) -> None:
        if isinstance(target, ast.Name):
            if binding is None:
                self.env.pop(target.id, None)
            else:
                self.env[target.id] = binding
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and (owner := self.instance(target.value)) is not None
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
        if isinstance(call.func, ast.Name) and name in self.models.models:
            return Binding("instance", name, keywords)
        if name in {"aget_object_or_404", "get_object_or_404"} and call.args:
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
                return Binding("instance", qs.model, loaded)
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

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        qs = self._iterated(node.iter)
        self.bind_loop_target(node.target, qs)
        for statement in [*node.body, *node.orelse]:
            self.visit(statement)

    def visit_For(self, node: ast.For) -> None:
        qs = self.queryset(node.iter)
        if qs is not None:
            self.report(node.iter, v.ASYNC_FOR, "sync")
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
            self.report(iterable, found[0], "async")
            return found[1]
        qs = self.queryset(iterable, by_name=True)
        if qs is not None:
            self.report(iterable, v.ASYNC_FOR, "async")
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
                    self.report(generator.iter, v.ASYNC_FOR, "sync")
                else:
                    self.visit(generator.iter)
                    qs = self.listed(generator.iter)
            self.bind_loop_target(generator.target, qs)
            for condition in generator.ifs:
                self.visit(condition)
        for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
            self.visit(part)

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        for item in node.items:
            context = item.context_expr
            if isinstance(context, ast.Call) and last_name(context.func) == "atomic":
                self.report(context, v.ATOMIC_ASYNC_WITH, "async")
            self.visit(context)
        for statement in node.body:
            self.visit(statement)

    # -- expressions -------------------------------------------------------------------------

    def visit_Attribute(self, node: ast.Attribute) -> None:
        owner = self.instance(node.value)
        if (
            isinstance(node.ctx, ast.Load)
            and owner is not None
            and isinstance(node.value, ast.Name)
        ):
            key = (node.value.id, node.attr)
            if key not in self.reported:
                if self.models.is_forward(node.attr, owner.model) and not owner.has_loaded(
                    node.attr
                ):
                    self.reported.add(key)
                    self.report(node, v.LAZY_FORWARD_FK, "pattern")
                elif self.models.is_querying_property(node.attr, owner.model):
                    self.reported.add(key)
                    self.report(node, v.PROPERTY_QUERY, "pattern")
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
        feature = self.async_feature(node)
        if feature is not None:
            self.report(node, feature, "async")
        else:
            # Django's sync twins return values, not awaitables: ``await channel.delete()`` is
            # another library's coroutine (discord.py's, say) whatever the name reads like.
            sync = None if id(node) in self.awaited else self.sync_feature(node)
            if sync is not None:
                self.report(node, *sync)
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
        feature = self._native_form(call, wrapped) if wrapped is not None else None
        if feature is not None:
            self.report(call, feature, "wrapped")
        self._wrapper_arguments(wrapper)
        for argument in [*call.args, *(k.value for k in call.keywords)]:
            self.visit(argument)

    def _native_form(self, call: ast.Call, wrapped: ast.expr) -> str | None:
        """The async API doing what ``sync_to_async(wrapped)(*call.args)`` does, if any."""
        if isinstance(wrapped, ast.Lambda):
            probe = wrapped.body
        else:
            probe = ast.Call(func=wrapped, args=call.args, keywords=call.keywords)
        sync = self.sync_feature(probe) if isinstance(probe, ast.Call) else None
        if sync is None:
            return None
        feature = sync[0]
        if feature in v.M2M_PATTERNS.values():
            return f"related.m2m.a{feature.removeprefix('pattern.m2m-')}"
        return None if feature.startswith("pattern.") else feature

    def async_feature(self, call: ast.Call) -> str | None:
        """The feature of a call to an async API (``qs.aget()``, ``obj.asave()``, ``alogin()``)."""
        func = call.func
        if isinstance(func, ast.Name):
            shadowed = func.id in self.tree.own_names.get(self.function.path, set())
            return None if shadowed else v.FUNCTIONS_ASYNC.get(func.id)
        if not isinstance(func, ast.Attribute) or not func.attr.startswith("a"):
            return None
        name, receiver = func.attr, func.value
        if (
            name in v.FUNCTIONS_ASYNC
            and isinstance(receiver, ast.Name)
            and receiver.id not in self.env
        ):
            return v.FUNCTIONS_ASYNC[name]
        if name in v.SIGNAL_ASYNC:
            return f"dispatch.signal.{name}"
        if name in v.SESSION_ASYNC and (last_name(receiver) or "").endswith("session"):
            return f"sessions.db-store.{name}"
        if name in v.USER_MANAGER_ASYNC:
            return f"auth.user-manager.{name}"
        if name in v.USER_ASYNC:
            return f"auth.user.{name}"
        kind = self.related_kind(receiver)
        if kind is not None and name in v.RELATED_ASYNC:
            return f"related.{kind}.{name}"
        if name == "aiterator":
            return found[0] if (found := self.aiterator(call)) else None
        if name in v.QUERYSET_ASYNC and self.queryset(receiver, by_name=True) is not None:
            return f"queryset.{name}"
        if name in v.MODEL_ASYNC and not self._is_cache(receiver) and not self._is_form(receiver):
            return f"model.{name}"
        return None

    def _is_form(self, node: ast.expr) -> bool:
        """Django's forms have no ``asave``: a library's ``form.asave()`` is not the model's."""
        return (last_name(node) or "").lower().endswith("form")

    def _is_cache(self, node: ast.expr) -> bool:
        """Django's cache has ``adelete`` too: ``cache``, ``caches[...]``, ``self.cache``..."""
        if isinstance(node, ast.Subscript):
            node = node.value
        return (last_name(node) or "").endswith("cache") or last_name(node) == "caches"

    def sync_feature(self, call: ast.Call) -> tuple[str, str] | None:
        """(feature, form) of a sync ORM call: its ``a``-twin's feature, or the kit's pattern."""
        func = call.func
        if isinstance(func, ast.Name):
            if func.id in v.EVALUATING_BUILTINS and call.args and self.queryset(call.args[0]):
                return v.ASYNC_FOR, "sync"
            module = self.tree.django_imports.get(self.function.path, {}).get(func.id)
            if module is not None and v.FUNCTIONS_SYNC_MODULES.get(func.id) == module:
                return v.FUNCTIONS_ASYNC[f"a{func.id}"], "sync"
            return None
        if not isinstance(func, ast.Attribute):
            return None
        name, receiver = func.attr, func.value
        if isinstance(receiver, ast.Name) and name in v.FUNCTIONS_SYNC_MODULES:
            # ``from django.contrib import auth`` then ``auth.get_user(request)``.
            package = self.tree.django_imports.get(self.function.path, {}).get(receiver.id)
            if f"{package}.{receiver.id}" == v.FUNCTIONS_SYNC_MODULES[name]:
                return v.FUNCTIONS_ASYNC[f"a{name}"], "sync"
        kind = self.related_kind(receiver)
        if kind is not None and name in v.RELATED_SYNC:
            if kind == "m2m" and name in v.M2M_PATTERNS:
                return v.M2M_PATTERNS[name], "pattern"
            return f"related.{kind}.a{name}", "sync"
        if name in v.USER_MANAGER_SYNC and self.queryset(receiver) is not None:
            return f"auth.user-manager.a{name}", "sync"
        if name in v.QUERYSET_SYNC and self.queryset(receiver) is not None:
            return f"queryset.a{name}", "sync"
        if name in v.USER_SYNC and (last_name(receiver) or "").endswith("user"):
            return f"auth.user.a{name}", "sync"
        if name in v.MODEL_SYNC and self.looks_like_instance(receiver):
            return f"model.a{name}", "sync"
        return None

    def _follow(self, call: ast.Call) -> None:
        """Scan the plain function a call reaches, as code running in the event loop."""
        if len(self.chain) >= MAX_HOPS:
            return
        target = self._resolve(call.func)
        if target is None:
            return
        here = f"{self.function.node.name}() at {self.function.path}:{call.lineno}"
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

    def _resolve(self, func: ast.expr) -> Function | None:
        """The plain (not async, not ``sync_to_async``-wrapped) function a call names."""
        if isinstance(func, ast.Name):
            name, method = func.id, False
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name, method = func.attr, func.value.id in {"self", "cls"}
            if not method and func.value.id in self.env:
                return None
        else:
            return None
        candidates = [
            f
            for f in self.tree.functions.get(name, [])
            if isinstance(f.node, ast.FunctionDef)
            and not _decorated_sync_to_async(f.node)
            and (f.owner == self.function.owner if method else f.owner is None)
        ]
        candidates.sort(key=lambda f: f.path != self.function.path)
        return candidates[0] if candidates else None
