"""What the scanned project's models say about its relations, read from source with ``ast``.

The scan cannot import the user's models (that would need their settings and Django), so it
reads every class that looks like a model and records which attribute names are related
managers (and of which kind), which are forward foreign keys, and which properties query.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

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
    """The model a relation field points at, as written: a class name, ``"app.Model"``
    (``owner`` for ``"self"``)."""
    node = (
        call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "to"), None)
    )
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return owner if node.value == "self" else node.value
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


def model_name(key: str) -> str:
    """``shop.Product`` -> ``Product``: the class name of a model's key."""
    return key.rpartition(".")[2]


def app_label(path: str) -> str:
    """The app a models file belongs to, as Django labels it by default: its folder's name
    (the folder above, for a ``models/`` package)."""
    parts = Path(path).parts[:-1]
    if parts and parts[-1] == "models":
        parts = parts[:-1]
    return parts[-1] if parts else ""


@dataclass
class ModelIndex:
    """Relations by model key; lookups fall back to every model when the model is unknown.

    A model's key is its class name, or ``<app label>.<name>`` when two apps of the tree
    declare a model of that name (their relations are kept apart).
    """

    models: set[str] = field(default_factory=set)  # keys
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (path, class) -> key
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
                key
                for key in sorted(visible)
                if lowered == model_name(key).lower()
                or lowered.endswith(f"_{model_name(key).lower()}")
            ),
            None,
        )

    def unique(self, name: str) -> str | None:
        """The key of the one model of that class name, if only one app declares it."""
        found = [key for key in self.models if model_name(key) == name]
        return found[0] if len(found) == 1 else None


def _is_model_class(node: ast.ClassDef, known: set[str]) -> bool:
    return any(
        (name := last_name(base)) is not None
        and (name.endswith("Model") or name in known or name in DJANGO_MODEL_BASES)
        for base in node.bases
    )


def _add_class(
    index: ModelIndex,
    model: str,
    node: ast.ClassDef,
    running: frozenset[str],
    key_of: Callable[[str], str],
) -> None:
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
            _add_field(index, model, name, kind, call, key_of)


def _add_field(
    index: ModelIndex,
    model: str,
    name: str,
    kind: str,
    call: ast.Call,
    key_of: Callable[[str], str],
) -> None:
    if kind.endswith("Manager") or (kind == "as_manager") or isinstance(call.func, ast.Call):
        index.managers.add(name)
        return
    raw_target = _target(call, model) if call.args or call.keywords else None
    target = key_of(raw_target) if raw_target else None
    related_name = _keyword(call, "related_name")
    default_reverse = f"{model_name(model).lower()}_set"
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
    resolve: Callable[[str, str], tuple[str, str] | None],
) -> ModelIndex:
    """Every model class of the scanned modules, with its relations and querying properties.

    A class is a model when a base is named ``...Model`` or is itself a model found here, so
    abstract bases and subclasses in other files are found too; a class with a third-party
    base (pydantic's ``BaseModel``) is not. ``running`` are the QuerySet methods that query;
    ``resolve`` finds where a name used in a file is defined (path, class), so a relation to a
    model two apps declare points at the right one.
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
    declared = [(path, node) for path, node in classes if node.name in known]
    apps_of = Counter(node.name for _, node in {(p, n.name): (p, n) for p, n in declared}.values())
    index = ModelIndex()
    for path, node in declared:
        key = node.name if apps_of[node.name] == 1 else f"{app_label(path)}.{node.name}"
        index.keys.setdefault((path, node.name), key)
        index.paths.setdefault(key, path)
    for path, node in declared:

        def key_of(written: str, path: str = path) -> str:
            """A relation's target as written in ``path`` -> its key."""
            if written in index.paths:  # a key already: ``"shop.Product"`` or a unique name
                return written
            name = model_name(written)
            place = resolve(path, name)
            found = index.keys.get(place) if place else index.keys.get((path, name))
            return found or index.unique(name) or name

        _add_class(index, index.keys[(path, node.name)], node, running, key_of)
    return index
