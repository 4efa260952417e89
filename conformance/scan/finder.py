"""Find the async ORM work in a tree of Python files, from their syntax alone.

One ``Scanner`` walks one function body: every ``async def`` of the tree, and the plain
functions an ``async def`` calls (up to ``MAX_HOPS`` deep), which run in the event loop too.
Receivers are typed first (``receivers``, over the ``tree`` index); names decide only where no
type is known, and such findings are marked ``certain=False``. The package docstring gives the
overview, ``docs/scan.md`` the user's view.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from pathlib import Path

from conformance.scan import vocabulary as v
from conformance.scan.models import last_name
from conformance.scan.receivers import Receivers
from conformance.scan.sources import read_source
from conformance.scan.symbols import TREE, Function, is_django
from conformance.scan.tree import (
    EVERYTHING,
    Binding,
    QuerySetExpr,
    Tree,
)

MAX_HOPS = 3
EXCERPT = 80  # characters of code shown per finding


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


def find(tree: Tree) -> list[Finding]:
    """Every finding of every ``async def``: one per (path, line, feature, form), the one with
    the shortest chain when several calls reach it."""
    found: dict[FindingKey, Finding] = {}
    for functions in tree.functions.values():
        for function in functions:
            if not isinstance(function.node, ast.AsyncFunctionDef):
                continue
            try:
                Scanner(tree, function, found).run()
            except Exception as exc:
                exc.add_note(f"while scanning {function.path}:{function.node.lineno}")
                raise
    return sorted(found.values(), key=lambda f: (f.path, f.line, f.feature))


def receiver_name(node: ast.expr) -> str:
    """The name a receiver reads as, lowered: ``request.user`` -> ``user``; a string key
    names it too (``self.scope["session"]`` -> ``session``, as Channels keeps it)."""
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value.lower()
    return (last_name(node) or "").lower()


def _is_request_session(node: ast.expr) -> bool:
    """``request.session`` (``self.request.session``): the session Django's middleware sets."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "session"
        and (last_name(node.value) or "").endswith("request")
    )


class Scanner(Receivers, ast.NodeVisitor):
    """Walks one function body in source order, reporting what it finds; what its names and
    expressions hold is ``Receivers``' part."""

    def __init__(
        self,
        tree: Tree,
        function: Function,
        found: dict[FindingKey, Finding],
        chain: tuple[str, ...] = (),
        bindings: dict[str, Binding] | None = None,
    ) -> None:
        super().__init__(tree, function)
        self.found = found
        self.chain = chain
        self.reported: set[tuple[str, str]] = set()
        # Inside the branch a feature test sends releases without the async API to: the
        # wrapped sync form there is the code's fallback, not a native form it passed over.
        self.fallbacks = 0
        self.awaited: set[int] = set()  # ids of the calls an ``await`` applies to
        self._bind_parameters(bindings or {})

    # -- set-up and output -------------------------------------------------------------------

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
        if form == "wrapped" and self.fallbacks:
            return
        line = getattr(node, "lineno", self.function.node.lineno)
        finding = Finding(
            self.path, line, feature, form, self.excerpt(node), self.chain, certain, detail
        )
        key = (finding.path, finding.line, finding.feature, finding.form)
        if key not in self.found or len(self.found[key].chain) > len(finding.chain):
            self.found[key] = finding

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

    def _truth_tested(self, test: ast.expr) -> None:
        """``if qs:`` / ``while not qs:`` fetches every row to decide (as ``bool(qs)``)."""
        operand = test.operand if isinstance(test, ast.UnaryOp) else test
        operands = operand.values if isinstance(operand, ast.BoolOp) else [operand]
        for tested in operands:
            qs = self.queryset(tested)
            if qs is not None:
                self.report(tested, v.ASYNC_FOR, "sync", qs.certain)

    def visit_While(self, node: ast.While) -> None:
        self._truth_tested(node.test)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        """``obj in qs`` evaluates the QuerySet: ``await qs.acontains(obj)`` asks the database."""
        for operator, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(operator, ast.In | ast.NotIn) and (qs := self.queryset(right)):
                self.report(node, v.CONTAINS, "sync", qs.certain)
        self.generic_visit(node)

    def _feature_test(self, test: ast.expr) -> tuple[str | None, bool] | None:
        """A test of whether an async API is there: ``hasattr(x, "aget")`` (any measured
        ``a``-method, or ``__aiter__``) or ``django.VERSION >= (5, 0)``. Returns (``x`` as
        written when the API is a QuerySet's, whether the test is true where the API is)."""
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        test = test.operand if negated else test  # type: ignore[attr-defined]
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and self.origin(test.left) == "django.VERSION"
            and isinstance(test.ops[0], ast.Gt | ast.GtE | ast.Lt | ast.LtE)
        ):
            return None, isinstance(test.ops[0], ast.Gt | ast.GtE) != negated
        if not (
            isinstance(test, ast.Call)
            and last_name(test.func) == "hasattr"
            and len(test.args) == 2
            and isinstance(test.args[1], ast.Constant)
        ):
            return None
        name = test.args[1].value
        if self._queryset_api(name):
            return ast.unparse(test.args[0]), not negated
        if name in self.vocabulary.names:
            return None, not negated
        return None

    def _visit_feature_test(self, node: ast.If, subject: str | None, present: bool) -> None:
        """The branches of a feature test. Where the API is missing (and below an ``if`` that
        returns where it is there): wrapped sync forms are the fallback; and with
        ``hasattr(x, "__aiter__")`` false, ``x`` is no QuerySet (every QuerySet has it)."""
        has, lacks = (node.body, node.orelse) if present else (node.orelse, node.body)
        for statement in has:
            self.visit(statement)
        known = subject is None or subject in self.not_querysets
        if subject is not None:
            self.not_querysets.add(subject)
        self.fallbacks += 1
        for statement in lacks:
            self.visit(statement)
        if bool(has) and isinstance(has[-1], ast.Return | ast.Raise | ast.Continue):
            return  # the rest of the function is the fallback too
        self.fallbacks -= 1
        if not known:
            self.not_querysets.discard(subject)  # type: ignore[arg-type]

    def visit_Try(self, node: ast.Try) -> None:
        """``try: qs.all().acount() except AttributeError: len(qs)``: in that handler the
        receiver lacked a QuerySet method, so it is no QuerySet (it is a list)."""
        for statement in node.body:
            self.visit(statement)
        probed = {
            ast.unparse(attribute.value)
            for statement in node.body
            for attribute in ast.walk(statement)
            if isinstance(attribute, ast.Attribute)
            and (attribute.attr in v.QUERYSET_BUILDERS or self._queryset_api(attribute.attr))
        }
        for handler in node.handlers:
            caught = handler.type
            names = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
            lacking = probed if any(last_name(n) == "AttributeError" for n in names) else set()
            added = lacking - self.not_querysets
            self.not_querysets |= added
            self.visit(handler)
            self.not_querysets -= added
        for statement in [*node.orelse, *node.finalbody]:
            self.visit(statement)

    visit_TryStar = visit_Try

    def _queryset_api(self, name: str) -> bool:
        return name in self.vocabulary.of("queryset") or name == v.ASYNC_ITERATION

    def visit_If(self, node: ast.If) -> None:
        self._truth_tested(node.test)
        self.visit(node.test)
        if (probe := self._feature_test(node.test)) is not None:
            self._visit_feature_test(node, *probe)
            return
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
        typed = self.type_of(iterable)
        if typed is not None and typed.kind == "django" and typed.owner:
            if v.ASYNC_ITERATION in self.vocabulary.of(typed.owner):
                # ``async for obj in page``: the owner's own async iteration.
                self.report(iterable, f"{typed.owner}.{v.ASYNC_ITERATION}", "async", typed.certain)
            self.visit(iterable)
            return None
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

    def visit_Subscript(self, node: ast.Subscript) -> None:
        """``request.session["k"]`` loads the session from its store on first use: a sync
        query in a coroutine, as ``session.get("k")`` is (``aget``, ``aset``, ``apop``)."""
        if _is_request_session(node.value):
            method = v.SESSION_ITEM_ACCESS[type(node.ctx).__name__]
            owner = v.OWNERS_BY_NAME["session"]
            if method in self.vocabulary.of(owner):
                self.report(node, f"{owner}.{method}", "sync", certain=False)
        self.generic_visit(node)

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
        if name in v.REQUEST_FUNCTIONS and (last_name(receiver) or "").endswith("request"):
            feature = self.vocabulary.function(v.REQUEST_FUNCTIONS[name])
            return (feature, True) if feature else None
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
            if typed.model is None:
                # Of a relation the scan cannot name: only what no QuerySet has (``aset``...).
                own = vocabulary.of(f"related.{typed.owner}") - vocabulary.of("queryset")
                if name not in own or (name == "aset" and len(call.args) != 1):
                    return None  # ``aset(objs)``: a cache's or a session's takes a key too
                return f"related.{typed.owner}.{name}", False
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
        read_as = receiver_name(receiver)
        for suffix, owner in v.OWNERS_BY_NAME.items():
            if read_as.endswith(suffix) and name in vocabulary.of(owner):
                return f"{owner}.{name}", False
        if read_as.endswith("client") and name in vocabulary.of("test.client"):
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
                # ``sync_to_async(list)(object_list)``: wrapped, a QuerySet is the reason to.
                qs = self.queryset(call.args[0], by_name=wrapped)
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
        read_as = receiver_name(receiver)
        if name in vocabulary.sync_of("auth.user") and read_as.endswith("user"):
            return f"auth.user.a{name}", "sync", False
        if wrapped or _is_request_session(receiver):
            for suffix, owner in v.OWNERS_BY_NAME.items():
                if read_as.endswith(suffix) and f"a{name}" in vocabulary.of(owner):
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
