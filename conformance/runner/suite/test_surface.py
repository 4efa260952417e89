"""Every async member Django ships, against its sync twin, over the grid of its signature.

The members come from discovery (``conformance.runner.surface``), so a member new in a release is
checked the day the release ships; the members ``surface_cases.TWINS`` knows are checked in
every release too, so one missing from an older release shows as ``absent``. Each member runs
every call of ``calls.grid``: its seeds, each receiver kind of its owner and each parameter's
meaningful and edge values. The first divergence found (the shortest call, when several
diverge) is the evidence; the calls tried are listed with it.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from conformance.features import owner_prefix
from conformance.runner import probe, surface
from conformance.runner.suite.calls import Call, grid, signature_differences, signature_text
from conformance.runner.suite.surface_cases import (
    OWNER_TWINS,
    POOLS,
    RECEIVERS,
    TWINS,
    Twin,
    call_async,
    call_sync,
    frozen_clock,
    owner_with,
    settle,
)
from conformance.verdicts import Verdict

# Every check here calls into the seed: the module writes it once.
pytestmark = pytest.mark.usefixtures("seeded")


def _added_by_a_package(member: surface.Member) -> bool:
    """Whether a package patched this member onto Django's class (django-async-backend's
    ``Model.async_save``): it runs on the package's own connection, which cannot see this grid's
    rows (they live in the test's transaction), so test_async_backend.py checks it instead."""
    _, owner = surface.owner_object(owner_prefix(member.feature))
    value = getattr(owner, member.name, None)
    return getattr(value, "__module__", "").startswith("django_async_backend.")


def _members() -> dict[str, str]:
    """Feature id -> attribute name, for every discovered or known member."""
    found = {
        member.feature: member.name
        for member in surface.discover()
        if not _added_by_a_package(member)
    }
    for feature_id, twin in TWINS.items():
        found.setdefault(feature_id, twin.member or feature_id.rsplit(".", 1)[1])
    return dict(sorted(found.items()))


MEMBERS = _members()


def _twin_of(feature_id: str) -> Twin:
    return TWINS.get(feature_id) or OWNER_TWINS.get(owner_prefix(feature_id)) or Twin()


def _default_seed(prefix: str, async_member: Any) -> Call | str:
    """The owner's first receiver, required parameters from the pools; or what is missing."""
    receiver = next(iter(RECEIVERS[prefix].values()))
    args = []
    for parameter in list(inspect.signature(async_member).parameters.values())[1:]:
        required = parameter.default is inspect.Parameter.empty and parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
        if required:
            if parameter.name not in POOLS:
                return f"no value for its required parameter {parameter.name!r}"
            args.append(POOLS[parameter.name][0])
    return Call(receiver, tuple(args))


def _instead(twin: Twin, twin_name: str, call: Call, baseline: dict[str, int]) -> dict[str, Any]:
    """What to write instead of a diverging call: its sync twin wrapped in ``sync_to_async``,
    run here against the sync twin itself on the same call; it is advice only where it
    behaves exactly like the twin."""
    arguments = call.text(twin_name).removeprefix(f"{call.receiver.text}.{twin_name}")
    receiver = twin.twin_text(call.receiver.text)
    built = call.receiver.build()
    built = twin.twin_receiver(built) if twin.twin_receiver else built
    if twin_name == "__iter__":
        code = f"await sync_to_async(list)({receiver})"
    elif arguments == "()" and not callable(getattr(type(built), twin_name, None)):
        code = f"await sync_to_async(lambda: {receiver}.{twin_name})()"
    else:
        code = f"await sync_to_async({receiver}.{twin_name}){arguments}"

    async def wrapped():
        return await sync_to_async(call_sync)(twin, twin_name, call)

    outcome = probe.differential(
        wrapped,
        lambda: call_sync(twin, twin_name, call),
        baseline=baseline,
        settle=settle(twin),
        example=code,
        code=code,
    )
    works = outcome.verdict is Verdict.NATIVE
    return {
        "code": code,
        "works": works,
        "why": "behaves exactly like the sync twin on this call"
        if works
        else f"does not behave like the sync twin either: {outcome.reason}",
    }


def _tried(calls: list[Call]) -> dict[str, Any]:
    """What the grid varied and the values it tried, one line per parameter (or receiver), for
    the report's surface coverage: ``"chunk_size: 2, 2000, None, 0, ..., omitted"``."""
    varied: dict[str, list[str]] = {}
    for call in calls:
        what, value = _what_and_value(call.varied)
        varied.setdefault(what, []).append(value)
    lines = [
        f"{what}: {', '.join(values)}" if values != [""] else what
        for what, values in varied.items()
    ]
    return {"calls": len(calls), "varied": lines}


def _what_and_value(varied: str) -> tuple[str, str]:
    """``"chunk_size=None"`` -> (``chunk_size``, ``None``); ``"factor by keyword"`` ->
    (``factor``, ``by keyword``); ``"receiver: raw"`` -> (``receiver``, ``raw``)."""
    for separator, keep in (("=", ""), (": ", ""), (" by ", "by "), (" omitted", "omitted")):
        what, found, value = varied.partition(separator)
        if found:
            return what, keep + value
    return varied, ""


def _param(feature_id: str):
    return pytest.param(
        feature_id, id=feature_id, marks=pytest.mark.conformance(feature=feature_id)
    )


@pytest.mark.parametrize("feature_id", [_param(f) for f in MEMBERS])
def test_async_member_matches_its_sync_twin(conformance, world, baseline, feature_id):
    prefix, name = owner_prefix(feature_id), MEMBERS[feature_id]
    twin = _twin_of(feature_id)
    if (found := owner_with(conformance, prefix, name)) is None:
        return
    path, owner = found
    async_member = inspect.getattr_static(owner, name)
    twin_name = twin.twin or name[1:]
    sync_member = getattr(owner, twin_name, None)
    seeds = twin.seeds
    if not seeds and prefix in RECEIVERS:
        seeds = (_default_seed(prefix, getattr(owner, name)),)
    problem = next((seed for seed in seeds if isinstance(seed, str)), None)
    if problem or prefix not in RECEIVERS:
        why = problem or f"no receivers are declared for {prefix!r}"
        conformance.record(
            probe.Outcome(
                Verdict.ERROR,
                probe.evidence(f"{path}.{name}", probe.observed("absent", why)),
                f"the kit cannot call {feature_id}: {why}. Fix: add it to surface_cases.py",
            )
        )
        return
    calls = list(
        grid(
            seeds, async_member, sync_member, receivers=RECEIVERS[prefix], pools=POOLS | twin.pools
        )
    )
    header = f"# {feature_id} ({path}), against receiver.{twin_name} from the same state"
    if twin.setup:
        header += f"\n{twin.setup}"
    # One instant for both runs: expiry dates and ages are computed from "now".
    with frozen_clock():
        for call in calls:

            async def run(call=call):
                return await call_async(name, call)

            text = call.text(name)
            conformance.record(
                probe.differential(
                    run,
                    lambda call=call: call_sync(twin, twin_name, call),
                    baseline=baseline,
                    settle=settle(twin),
                    example=f"{text}  # {call.varied}",
                    code=f"{header}\n{'async for item in ' if name == '__aiter__' else 'await '}"
                    f"{text}",
                )
            )
        if conformance.verdict is Verdict.DIVERGES:
            example = conformance.evidence.get("example")
            headline = next(c for c in calls if f"{c.text(name)}  # {c.varied}" == example)
            conformance.annotate(instead=_instead(twin, twin_name, headline, baseline))
    conformance.annotate(
        tried=_tried(calls),
        signature={
            "async": signature_text(async_member),
            "sync": signature_text(sync_member),
            "differences": signature_differences(async_member, sync_member),
        },
    )
