"""What an expression holds, typed before it is named: the half of a scanner that reads
receivers (``Receivers``), kept apart from the half that walks statements and reports.

Types come from the tree (``tree.Tree``): imports followed to their origin, annotations,
constructors, ``isinstance`` narrowing (set by the scanner), ``getattr`` on instances, attributes
set in other methods, functions returning QuerySets. Names decide only where no type is known,
and what they decide is marked not certain.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from conformance.scan import vocabulary as v
from conformance.scan.models import last_name, model_name
from conformance.scan.symbols import TREE, Function, django_ancestors, is_django
from conformance.scan.tree import (
    EVERYTHING,
    Binding,
    QuerySetExpr,
    Tree,
    decorated_sync_to_async,
    is_property,
    optional_removed,
    union_members,
    unsubscripted,
)


class Receivers:
    """The typing half of a scanner: one function's local names and what expressions hold."""

    def __init__(self, tree: Tree, function: Function) -> None:
        self.tree = tree
        self.models = tree.models
        self.vocabulary = tree.vocabulary
        self.function = function
        self.path = function.path
        self.env: dict[str, Binding] = {}
        # Expressions (as written) known not to be QuerySets here: ``hasattr(x, "__aiter__")``
        # was false, and every QuerySet has ``__aiter__``.
        self.not_querysets: set[str] = set()
        self.visible = tree.visible_models(function.path)
        # Names the function assigns or takes: they shadow the module's imports.
        arguments = function.node.args
        self.local_names = {
            a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        } | {
            node.id
            for node in ast.walk(function.node)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
        }

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
        annotation = optional_removed(annotation)
        for member in union_members(annotation):
            typed = self.annotation_binding(member)
            if typed is not None and typed.kind == "queryset":
                # ``Union[list, QuerySet]``: it may be a QuerySet, so it may query.
                return replace(typed, certain=False)
        bare = unsubscripted(annotation)
        name = last_name(bare)
        if name in v.QUERYSET_ANNOTATIONS:
            argument = annotation.slice if isinstance(annotation, ast.Subscript) else None
            return Binding("queryset", self.model_key(argument) if argument else None)
        if (key := self.model_key(bare)) is not None:
            return Binding("instance", key)
        return self.tree.class_binding(self.origin(bare))

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
        if isinstance(func, ast.Name) and func.id == "super" and not call.args:
            return self._base_type()
        target = self._resolve(func, plain_only=False)
        if target is not None and target.node.returns is not None:
            # ``def current_article() -> Article``: what the project says it returns.
            return self.annotation_binding(target.node.returns)
        origin = self.origin(func)
        return self.tree.class_binding(origin) if origin else None

    def _base_type(self) -> Binding | None:
        """``super()`` in a method: what the enclosing class's first typed base is (a model,
        Django's ``Model`` or ``SessionStore``, another library's class)."""
        info = self.tree.classes.get(self.function.owner or "")
        if info is None:
            return None
        for base in info.node.bases:
            origin = self.tree.symbols.qualified(info.path, base)
            if (typed := self.tree.class_binding(origin)) is not None:
                return typed
        return None

    def _getattr_type(self, call: ast.Call) -> Binding | None:
        """``getattr(instance, name)``: its related manager, when ``name`` is one (or, with the
        name unknown, the one kind of relation the model has)."""
        owner = self.instance(call.args[0])
        name = call.args[1]
        named = isinstance(name, ast.Constant) and isinstance(name.value, str)
        if owner is None or owner.model not in self.models.models:
            if named or (owner is None and not self._plain_object(call.args[0])):
                return None
            # ``getattr(instance, field_name)`` with the field known only at run time (as a
            # serializer writes to-many fields): a related manager of some model, kind unknown.
            return Binding("related", None, owner="m2m", certain=False)
        if named:
            kind = self.models.related_kind(name.value, owner.model)
            return Binding("related", owner.model, owner=kind) if kind else None
        kinds = set(self.models.related.get(owner.model, {}).values())
        if not kinds:
            return None
        kind = kinds.pop() if len(kinds) == 1 else "m2m" if "m2m" in kinds else sorted(kinds)[0]
        return Binding("related", owner.model, owner=kind, certain=not kinds)

    def _plain_object(self, node: ast.expr) -> bool:
        """A parameter or local of no known type (not ``self``, nor another library's object):
        what ``getattr(obj, name)`` may read a model's field from."""
        return (
            isinstance(node, ast.Name)
            and node.id not in {"self", "cls"}
            and self.type_of(node) is None
            and not self.is_foreign(node)
        )

    def queryset(self, node: ast.expr, by_name: bool = False) -> QuerySetExpr | None:
        """The QuerySet an expression builds without running it, or ``None``.

        ``by_name`` also takes a name Django gives QuerySets (``queryset``, ``qs``,
        ``object_list``) for one: asked only where nothing but a QuerySet would work (awaiting
        its ``a``-methods, ``async for``), since a list under such a name iterates fine.
        """
        if self.not_querysets and ast.unparse(node) in self.not_querysets:
            return None
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
                and is_property(prop.node)
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
            if bound is not None and bound.kind == "related" and bound.owner and bound.model:
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
                or (isinstance(f.node, ast.FunctionDef) and not decorated_sync_to_async(f.node))
            )
            and (f.owner == owner if method else f.owner is None)
        ]
        candidates.sort(key=lambda f: f.path != self.path)
        return candidates[0] if candidates else None
