"""What the scanned project's models say about its relations, read from source with ``ast``.

The scan cannot import the user's models (that would need their settings and Django), so it
reads every class that looks like a model and records which attribute names are related
managers (and of which kind), which are forward foreign keys, and which properties query.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from conformance.scan.vocabulary import DEFAULT_MANAGERS, DJANGO_MODEL_BASES

FORWARD_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey"})
MANY_TO_MANY_FIELDS = frozenset({"ManyToManyField", "ParentalManyToManyField"})
GENERIC_RELATIONS = frozenset({"GenericRelation"})


def last_name(node: ast.expr) -> str | None:
    """``models.ForeignKey`` -> ``ForeignKey``; ``Article`` -> ``Article``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def _target(call: ast.Call, owner: str) -> str | None:
    """The model a relation field points at: a class, ``"app.Model"`` or ``"self"``."""
    node = (
        call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "to"), None)
    )
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        name = node.value.rpartition(".")[2]
        return owner if name == "self" else name
    return last_name(node) if node is not None else None


def _keyword(call: ast.Call, name: str) -> str | None:
    found = next((k.value for k in call.keywords if k.arg == name), None)
    return found.value if isinstance(found, ast.Constant) and isinstance(found.value, str) else None


def _queries(function: ast.FunctionDef, running: frozenset[str]) -> bool:
    """Whether a method body calls a QuerySet method that runs a query (``self.x.count()``)."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in running
        for node in ast.walk(function)
    )


@dataclass
class ModelIndex:
    """Relations by model name; lookups fall back to every model when the model is unknown."""

    models: set[str] = field(default_factory=set)
    forward: dict[str, set[str]] = field(default_factory=dict)
    related: dict[str, dict[str, str]] = field(default_factory=dict)
    querying_properties: dict[str, set[str]] = field(default_factory=dict)
    managers: set[str] = field(default_factory=lambda: set(DEFAULT_MANAGERS))
    paths: dict[str, str] = field(default_factory=dict)  # model -> the file declaring it

    def related_kind(self, attribute: str, model: str | None = None) -> str | None:
        """``related.<kind>`` owner of ``<instance>.<attribute>``, or ``None`` if not a manager.

        With the model unknown (an instance of some model), the first model declaring that
        name decides (names shared by two kinds need the model to be told apart).
        """
        if model is not None and model in self.related:
            return self.related[model].get(attribute)
        return next(
            (kinds[attribute] for kinds in self.related.values() if attribute in kinds), None
        )

    def is_forward(self, attribute: str, model: str | None = None) -> bool:
        if model is not None and model in self.forward:
            return attribute in self.forward[model]
        return any(attribute in fields for fields in self.forward.values())

    def is_querying_property(self, attribute: str, model: str | None = None) -> bool:
        if model is not None and model in self.models:
            return attribute in self.querying_properties.get(model, set())
        return any(attribute in names for names in self.querying_properties.values())

    def model_named(self, name: str, visible: set[str]) -> str | None:
        """The model a variable name suggests: ``article`` and ``new_article`` -> ``Article``."""
        lowered = name.lower()
        return next(
            (
                m
                for m in sorted(visible)
                if lowered == m.lower() or lowered.endswith(f"_{m.lower()}")
            ),
            None,
        )


def _is_model_class(node: ast.ClassDef, known: set[str]) -> bool:
    return any(
        (name := last_name(base)) is not None
        and (name.endswith("Model") or name in known or name in DJANGO_MODEL_BASES)
        for base in node.bases
    )


def _add_class(index: ModelIndex, node: ast.ClassDef, running: frozenset[str]) -> None:
    model = node.name
    index.models.add(model)
    for statement in node.body:
        if isinstance(statement, ast.FunctionDef) and any(
            last_name(d) in {"property", "cached_property"} for d in statement.decorator_list
        ):
            if _queries(statement, running):
                index.querying_properties.setdefault(model, set()).add(statement.name)
            continue
        if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
            continue
        names = [t.id for t in statement.targets if isinstance(t, ast.Name)]
        call = statement.value
        kind = last_name(call.func) or ""
        for name in names:
            _add_field(index, model, name, kind, call)


def _add_field(index: ModelIndex, model: str, name: str, kind: str, call: ast.Call) -> None:
    if kind.endswith("Manager") or (kind == "as_manager") or isinstance(call.func, ast.Call):
        index.managers.add(name)
        return
    target = _target(call, model) if call.args or call.keywords else None
    related_name = _keyword(call, "related_name")
    default_reverse = f"{model.lower()}_set"
    reverse = None if related_name is not None and related_name.endswith("+") else related_name
    if kind in FORWARD_FIELDS:
        index.forward.setdefault(model, set()).add(name)
        if kind != "OneToOneField" and target:
            index.related.setdefault(target, {})[reverse or default_reverse] = "reverse-fk"
    elif kind in MANY_TO_MANY_FIELDS:
        index.related.setdefault(model, {})[name] = "m2m"
        if target:
            index.related.setdefault(target, {})[reverse or default_reverse] = "m2m-reverse"
    elif kind in GENERIC_RELATIONS:
        index.related.setdefault(model, {})[name] = "generic"


def index_models(
    modules: Mapping[str, ast.Module],
    running: frozenset[str],
    third_party_base: Callable[[str, ast.expr], bool],
) -> ModelIndex:
    """Every model class of the scanned modules, with its relations and querying properties.

    A class is a model when a base is named ``...Model`` or is itself a model found here, so
    abstract bases and subclasses in other files are found too; a class with a third-party
    base (pydantic's ``BaseModel``) is not. ``running`` are the QuerySet methods that query.
    """
    classes = [
        (path, node)
        for path, module in modules.items()
        for node in ast.walk(module)
        if isinstance(node, ast.ClassDef)
        and not any(third_party_base(path, base) for base in node.bases)
    ]
    known: set[str] = set()
    while True:
        found = {c.name for _, c in classes if _is_model_class(c, known)}
        if found == known:
            break
        known = found
    index = ModelIndex()
    for path, node in classes:
        if node.name in known:
            index.paths.setdefault(node.name, path)
            _add_class(index, node, running)
    return index
