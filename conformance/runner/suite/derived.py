"""The subclasses a user writes, generated from the surface: one per owner class, sync twin and
signature style, each override recording that it ran and then calling ``super()``.

A project extends Django by subclassing the classes the async surface lives on (a QuerySet, a
model, a session store, an authentication backend...) and overriding sync methods. Whether
the async twin runs that code is the question; nobody lists the answer per method, so the kit
derives the overrides: the sync twin itself, and every method of the same class its code
calls on ``self`` (``get_or_create`` calls ``get`` and ``create``), found from its code
object. Overrides come in the three shapes people write:

- ``variadic``: ``def save(self, *args, **kwargs)``, as Django's docs show;
- ``narrow``: only the required parameters, ``def save(self)``;
- ``exact``: the release's own parameter list, defaults included.

A receiver adopts the subclass by having its ``__class__`` replaced, so it keeps every bit of
state it was built with. Model instances adopt a proxy model of their class, registered once.
"""

from __future__ import annotations

import copy
import functools
import inspect
import itertools
from collections.abc import Callable
from typing import Any

from django.db import models

from testapp import hooks

STYLES = ("variadic", "narrow", "exact")
_counter = itertools.count()


def delegates(cls: type, twin: str) -> tuple[str, ...]:
    """The sync twin and the public methods of ``cls`` that its code names (its delegates)."""
    function = _plain(inspect.getattr_static(cls, twin, None))
    if function is None:
        return ()
    names = {twin}
    for name in function.__code__.co_names:
        if name.startswith("_") or name == twin:
            continue
        found = _plain(inspect.getattr_static(cls, name, None))
        if found is not None and not inspect.iscoroutinefunction(found):
            names.add(name)
    return tuple(sorted(names))


def _plain(value: Any) -> Callable[..., Any] | None:
    """The function behind a plain method; ``None`` for properties, class/static methods and
    anything else a subclass cannot override the same way."""
    return value if inspect.isfunction(value) else None


def _override(
    cls: type, name: str, style: str, label: str, passed: frozenset[str]
) -> Callable[..., Any]:
    """``name`` overridden in ``style``: note that it ran, then ``super()``'s. A ``narrow``
    override takes the required parameters and those in ``passed`` (what the user's own call
    of the sync twin passes), as one written for that call would."""
    original = _plain(inspect.getattr_static(cls, name))
    entry = ("override", f"{label}.{name}")

    if style == "variadic" or original is None:

        def variadic(self, *args, **kwargs):
            hooks.note(*entry)
            return getattr(super(derived_of(self, cls), self), name)(*args, **kwargs)

        return functools.update_wrapper(variadic, original) if original else variadic
    parameters = list(inspect.signature(original).parameters.values())[1:]
    if style == "narrow":
        parameters = [p for p in parameters if _narrow_keeps(p, passed)]
    return _exact(cls, name, parameters, entry)


def _exact(cls: type, name: str, parameters: list[inspect.Parameter], entry: tuple) -> Any:
    """A method with exactly ``parameters`` (their defaults the very objects of the original's)
    that forwards each one to ``super()``'s, as a hand-written override does."""
    defaults = {f"_default_{p.name}": p.default for p in parameters if p.default is not p.empty}
    written, forwarded = _signature(parameters, lambda p: f"_default_{p.name}")
    source = (
        f"def {name}({', '.join(written)}):\n"
        f"    note(*entry)\n"
        f"    return super(derived_of(self, cls), self).{name}({', '.join(forwarded)})\n"
    )
    scope = {"note": hooks.note, "entry": entry, "derived_of": derived_of, "cls": cls, **defaults}
    exec(compile(source, f"<override {cls.__name__}.{name}>", "exec"), scope)
    return scope[name]


def _signature(
    parameters: list[inspect.Parameter], default: Callable[[inspect.Parameter], str]
) -> tuple[list[str], list[str]]:
    """The parameter list of a method taking ``parameters`` (``self`` first, each default
    written as ``default`` says), and the arguments that forward each one."""
    written, forwarded, previous = ["self"], [], None
    for p in parameters:
        if p.kind is p.KEYWORD_ONLY and previous not in (p.VAR_POSITIONAL, p.KEYWORD_ONLY):
            written.append("*")
        if p.kind is p.POSITIONAL_OR_KEYWORD and previous is p.POSITIONAL_ONLY:
            written.append("/")
        star = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        value = f"={default(p)}" if p.default is not p.empty else ""
        written.append(f"{star}{p.name}{value}")
        if p.kind is p.KEYWORD_ONLY:
            forwarded.append(f"{p.name}={p.name}")
        else:
            forwarded.append(f"{star}{p.name}")
        previous = p.kind
    if previous is inspect.Parameter.POSITIONAL_ONLY:
        written.append("/")
    return written, forwarded


def _default_text(parameter: inspect.Parameter, scope: dict[str, Any]) -> str:
    """A default as a user's override writes it: its ``repr``, or, when that is no source, the
    name it has in the original's module (``DEFAULT_TIMEOUT``, a sentinel)."""
    text = repr(parameter.default)
    if " at 0x" not in text and not text.startswith("<"):
        return text
    named = (key for key, value in scope.items() if value is parameter.default)
    return next(named, text)


def user_source(
    cls: type, twin: str, style: str, passed: frozenset[str] = frozenset(), *, base: str = ""
) -> str:
    """The subclass ``derive`` makes, as its user writes it: ``Your<class>``, subclassing
    ``base`` (the class as the user's code names it; by default its name), each override's
    own code (where the kit's notes that it ran) a comment, then ``super()``'s call with every
    argument forwarded; a model's is a proxy model."""
    lines = [f"class Your{cls.__name__}({base or cls.__name__}):"]
    if issubclass(cls, models.Model):
        lines += ["    class Meta:", "        proxy = True", ""]
    for method in delegates(cls, twin):
        original = _plain(inspect.getattr_static(cls, method))
        method_style = style if method == twin else "variadic"
        if method_style == "variadic" or original is None:
            written, forwarded = ["self", "*args", "**kwargs"], ["*args", "**kwargs"]
        else:
            parameters = list(inspect.signature(original).parameters.values())[1:]
            if method_style == "narrow":
                parameters = [p for p in parameters if _narrow_keeps(p, passed)]
            written, forwarded = _signature(
                parameters, functools.partial(_default_text, scope=original.__globals__)
            )
        lines += [
            f"    def {method}({', '.join(written)}):",
            "        ...  # your code",
            f"        return super().{method}({', '.join(forwarded)})",
            "",
        ]
    return "\n".join(lines).rstrip()


def derived_of(instance: Any, base: type) -> type:
    """The generated class of ``instance`` that derives from ``base`` (for ``super()``)."""
    for cls in type(instance).__mro__:
        if getattr(cls, "_conformance_base", None) is base:
            return cls
    raise TypeError(f"{type(instance).__name__} is not a generated subclass of {base.__name__}")


def narrow_parameters(cls: type, twin: str, passed: frozenset[str]) -> list[str]:
    """The parameters a ``narrow`` override of ``cls.twin`` takes, by name."""
    original = _plain(inspect.getattr_static(cls, twin, None))
    if original is None:
        return []
    return [
        p.name
        for p in list(inspect.signature(original).parameters.values())[1:]
        if _narrow_keeps(p, passed)
    ]


def _narrow_keeps(parameter: inspect.Parameter, passed: frozenset[str]) -> bool:
    """Whether a narrow override keeps ``parameter``: required, or passed by the user's call
    (``*`` and ``**`` in ``passed`` stand for arguments only a variadic parameter takes)."""
    if parameter.kind is parameter.VAR_POSITIONAL:
        return "*" in passed
    if parameter.kind is parameter.VAR_KEYWORD:
        return "**" in passed
    return parameter.default is parameter.empty or parameter.name in passed


@functools.cache
def derive(
    cls: type, twin: str, style: str, passed: frozenset[str] = frozenset()
) -> tuple[type, tuple[str, ...]]:
    """``cls`` subclassed with the twin and its delegates overridden in ``style`` (the twin;
    its delegates take ``*args, **kwargs``): the class, and the names overridden."""
    names = delegates(cls, twin)
    label = f"Your{cls.__name__}"
    body: dict[str, Any] = {
        name: _override(cls, name, style if name == twin else "variadic", label, passed)
        for name in names
    }
    body["_conformance_base"] = cls
    body["__module__"] = __name__
    if issubclass(cls, models.Model):
        # A proxy model: same table, another class, registered under testapp once.
        meta = type("Meta", (), {"proxy": True, "app_label": cls._meta.app_label})
        body |= {"Meta": meta, "__module__": "testapp.models"}
        label = f"{label}{next(_counter)}"
    return type(label, (cls,), body), names


def adopt(
    receiver: Any, twin: str, style: str, passed: frozenset[str] = frozenset()
) -> tuple[Any, tuple[str, ...]]:
    """A copy of ``receiver`` made an instance of the user's subclass of its class (a copy:
    ``User.objects`` or ``caches['database']`` are shared, and must stay Django's own)."""
    derived, names = derive(type(receiver), twin, style, passed)
    adopted = copy.copy(receiver)
    adopted.__class__ = derived
    return adopted, names
