"""Does each async API run the user's override of its sync twin, as the twin does?

For every surface member on a class users subclass, the kit writes the user's subclass itself
(``derived.py``): the sync twin and what it delegates to overridden, in each signature style,
each override recording that it ran. The feature ``hooks.override-<style>.<api>`` is
``native`` when the async call ran the same overrides as its sync twin and ended alike, and
``diverges`` when it skipped one, ran one the twin did not, or ended otherwise (a ``narrow``
override that the async path calls with keywords it does not take, say).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model, QuerySet
from django.db.models.manager import BaseManager

from conformance.features import OWNERS, owner_prefix
from conformance.runner import probe
from conformance.runner.suite import derived
from conformance.runner.suite.calls import Call, Value
from conformance.runner.suite.surface_cases import (
    RECEIVERS,
    call_async,
    call_sync,
    frozen_clock,
    owner_with,
    settle,
)
from conformance.runner.suite.test_extensions import Extension, calls_of, hooks_verdict
from conformance.runner.suite.test_surface import MEMBERS, _default_seed, _instead, _twin_of
from conformance.verdicts import Verdict

# Owners whose sync twin lives on another class: a subclass of the async one overrides nothing.
OTHER_CLASS_TWINS = ("paginator.async-paginator", "paginator.async-page")

# Every check here calls into the seed: the module writes it once.
pytestmark = pytest.mark.usefixtures("seeded")


def _overridable(feature_id: str) -> bool:
    prefix = owner_prefix(feature_id)
    path = OWNERS[prefix].path
    return path is not None and ":" in path and prefix not in OTHER_CLASS_TWINS


def _seed(feature_id: str, owner: Any) -> Call | str:
    """The call a user makes: the member's first seed, or its owner's default one."""
    twin = _twin_of(feature_id)
    if twin.seeds:
        return twin.seeds[0]
    return _default_seed(owner_prefix(feature_id), getattr(owner, MEMBERS[feature_id]))


def passed(call: Call, twin: Callable[..., Any]) -> frozenset[str]:
    """The parameters of ``twin`` that ``call`` passes, by position or by keyword; ``*`` and
    ``**`` when it passes arguments that only its variadic parameters take."""
    try:
        parameters = list(inspect.signature(twin).parameters.values())[1:]
    except (TypeError, ValueError):
        return frozenset()
    positional = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    named = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    keywords = {key for key, _ in call.kwargs}
    found = set(positional[: len(call.args)]) | (keywords & named)
    if len(call.args) > len(positional):
        found.add("*")
    if keywords - named:
        found.add("**")
    return frozenset(found)


def _params():
    for feature_id in MEMBERS:
        if not _overridable(feature_id):
            continue
        for style in derived.STYLES:
            hook = f"hooks.override-{style}.{feature_id}"
            yield pytest.param(
                feature_id, style, id=hook, marks=pytest.mark.conformance(feature=hook)
            )


def _owned_receiver(prefix: str, seed: Call, owner: Any, name: str) -> tuple[Value, type]:
    """The first receiver (the seed's, then the owner's) that is an instance of the owner
    class, else the first whose class has the member (a project's own class: a custom user
    model); and its class. Without either, the seed's receiver and its class, which the check
    reports the member absent from."""
    candidates = [(r, type(r.build())) for r in (seed.receiver, *RECEIVERS[prefix].values())]
    for accept in (lambda kind: issubclass(kind, owner), lambda kind: hasattr(kind, name)):
        for receiver, kind in candidates:
            if accept(kind):
                return receiver, kind
    return candidates[0]


def _yours(receiver: Value, base: type) -> tuple[str, str, str]:
    """``receiver`` as its user writes it once ``base`` is their subclass ``Your<base>``; the
    lines after the class that put it in place, when the receiver's text cannot name it; and
    the base class as the receiver's text names it (``cache.SessionStore``).

    A receiver the kit builds by calling the class (``SessionStore(session_key=...)``,
    ``ModelBackend()``) is written calling the user's class; a model instance fetched by a
    query, fetched through the user's proxy model's manager (``YourUser.objects.get(...)``); a
    signal, made and connected; any other (a cache from settings, a model's manager or
    queryset) keeps its text, and a comment says where the user's class is configured. The kit
    builds each receiver as it always does and makes it an instance of the subclass
    (``derived.adopt``), which is what the rendered code makes: the subclass overrides only the
    methods shown, never ``__init__``."""
    mine, name = f"Your{base.__name__}", re.escape(base.__name__)
    text = receiver.text
    if called := re.fullmatch(rf"((?:[\w.]+\.)?{name})\((.*)\)", text, re.S):
        return f"{mine}({called[2]})", "", called[1]
    queried = re.fullmatch(rf"{name}\.objects\.(.+)", text, re.S)
    if queried and issubclass(base, Model):
        return f"{mine}.objects.{queried[1]}", "", base.__name__
    if connected := re.fullmatch(r"signal_with\((.*)\)", text, re.S):
        lines = [f"signal = {mine}()"]
        lines += [f"signal.connect({found})" for found in connected[1].split(", ")]
        return "signal", "\n" + "\n".join(lines), base.__name__
    if text.startswith("caches["):
        return text, f"# {text} is a {mine}: CACHES names it as that cache's BACKEND", base.__name__
    if issubclass(base, BaseManager):
        owner = text.removesuffix(".objects")
        return text, f"# {owner}'s manager is a {mine}: objects = {mine}()", base.__name__
    if issubclass(base, QuerySet):
        owner = text.partition(".")[0]
        setup = f"# {owner}'s manager makes {mine}s: objects = {mine}.as_manager()"
        return text, setup, base.__name__
    return text, f"# {text} is made a {mine}", base.__name__


def _adopted(receiver: Value, twin: str, style: str, given: frozenset[str], text: str) -> Value:
    def build() -> Any:
        return derived.adopt(receiver.build(), twin, style, given)[0]

    return Value(text, build)


@pytest.mark.parametrize(("feature_id", "style"), list(_params()))
def test_async_api_runs_your_override_of_its_sync_twin(
    conformance, world, baseline, feature_id, style
):
    prefix, name = owner_prefix(feature_id), MEMBERS[feature_id]
    if (found := owner_with(conformance, prefix, name)) is None:
        return
    path, owner = found
    twin = _twin_of(feature_id)
    twin_name = twin.twin or name[1:]
    original = inspect.getattr_static(owner, twin_name, None)
    if not inspect.isfunction(original):
        pytest.skip(f"its sync twin {twin_name} is not a plain method a subclass overrides")
    seed = _seed(feature_id, owner)
    if isinstance(seed, str):
        pytest.skip(f"the kit cannot call {feature_id}: {seed}")
    if style == "narrow":
        every = [p.name for p in list(inspect.signature(original).parameters.values())[1:]]
        if derived.narrow_parameters(owner, twin_name, passed(seed, original)) == every:
            pytest.skip("the narrow override is the exact one: the call passes every parameter")
    receiver, built = _owned_receiver(prefix, seed, owner, name)
    if (outcome := probe.absent(built, name)) is not None:
        conformance.record(outcome)
        return
    given = passed(seed, inspect.getattr_static(built, twin_name))
    _, overridden = derived.derive(built, twin_name, style, given)
    text, installed, base = _yours(receiver, built)
    call = Call(_adopted(receiver, twin_name, style, given, text), seed.args, seed.kwargs)
    extension = Extension(
        f"override-{style}", lambda entry: entry[0] == "override" and entry[1].startswith("Your")
    )

    async def run():
        return await call_async(name, call)

    with frozen_clock():
        sync, ran, _, _ = probe.run_twins(
            run, lambda: call_sync(twin, twin_name, call), settle=settle(twin), baseline=baseline
        )
    ours, theirs = calls_of(ran.hooks, extension), calls_of(sync.hooks, extension)
    setup = "\n".join(
        filter(None, (derived.user_source(built, twin_name, style, given, base=base), installed))
    )
    found = probe.evidence(
        f"{setup}\n\nawait {call.text(name)}",
        ran.to_json(),
        sync_twin=sync.to_json(),
        example=call.text(name),
        hooks={
            "sync": [probe.clip(repr(entry), 300) for entry in theirs],
            "async": [probe.clip(repr(entry), 300) for entry in ours],
        },
    )
    verdict, note = hooks_verdict(sync, ran, theirs, ours, (twin_name, name, extension))
    instead = None
    if verdict is Verdict.DIVERGES:
        # What to write instead: the sync twin, which runs the override, through
        # sync_to_async; run here against the sync twin on the same call.
        with frozen_clock():
            instead = _instead(twin, twin_name, call, baseline)
    if instead and instead["works"]:
        if theirs:
            ran_yours = ", ".join(dict.fromkeys(str(entry[1]) for entry in theirs))
            instead["why"] = (
                f"it runs your {ran_yours} as {twin_name}() does: the same result, hooks, "
                "queries and rows as the sync twin on this call"
            )
        note += f"; do this instead: {instead['code']}"
    elif verdict is Verdict.DIVERGES and not ours and theirs:
        note += f"; do this instead: override {name}() too, or await sync_to_async({twin_name})"
    conformance.record(probe.Outcome(verdict, found, note))
    conformance.annotate(overridden=list(overridden), owner=path)
    if instead:
        conformance.annotate(instead=instead)
