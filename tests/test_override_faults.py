"""An async twin that skips the user's override of its sync twin is found, whichever owner and
method of the discovered surface it is on (feature: extension points; design.md, "Extensions").

A clean run of the derived-override checks lists the members whose async twin runs the user's
override today. The test draws one of them at random, replaces its async method with one that
calls Django's own sync method directly (skipping any subclass's override, as a native async
rewrite would), and runs that member's check under two Hypothesis seeds: both must say
``diverges``, naming the override that did not run.
"""

from __future__ import annotations

import random
import textwrap

import pytest

from tests.conftest import ROOT, run_suite_in

DERIVED = str(ROOT / "conformance/runner/suite/test_derived_extensions.py")
STYLE = "variadic"


@pytest.fixture(scope="module")
def honoured(tmp_path_factory) -> list[str]:
    """The members whose async twin runs a variadic override of its sync twin today."""
    run = run_suite_in(tmp_path_factory.mktemp("clean"), DERIVED, "-k", STYLE)
    assert run.returncode == 0, run.output[-2000:]
    prefix = f"hooks.override-{STYLE}."
    return sorted(
        feature.removeprefix(prefix)
        for feature, found in run.results["features"].items()
        if feature.startswith(prefix)
        and found["verdict"] == "native"
        and any("ran your" in note for note in found["notes"])
    )


def _skipping_plugin(member: str) -> str:
    """A plugin that makes ``member``'s async method call the sync twin of Django's own class,
    never a subclass's override."""
    return textwrap.dedent(
        f"""
        from asgiref.sync import sync_to_async


        def pytest_sessionstart(session):
            from conformance.features import owner_prefix
            from conformance.runner import surface
            from conformance.runner.suite.test_derived_extensions import MEMBERS, _twin_of

            feature = {member!r}
            _, owner = surface.owner_object(owner_prefix(feature))
            name = MEMBERS[feature]
            twin = _twin_of(feature).twin or name[1:]
            django_own = getattr(owner, twin)

            async def skipping(self, *args, **kwargs):
                return await sync_to_async(django_own)(self, *args, **kwargs)

            setattr(owner, name, skipping)
        """
    )


@pytest.mark.parametrize("draw", [7, 11], ids=["first draw", "second draw"])
def test_an_async_twin_that_skips_your_override_is_found_under_every_seed(
    tmp_path_factory, honoured, draw
):
    assert honoured, "no async twin runs a variadic override today: nothing to break"
    member = random.Random(draw).choice(honoured)
    feature = f"hooks.override-{STYLE}.{member}"
    verdicts, notes = [], []
    for seed in ("1", "2"):
        directory = tmp_path_factory.mktemp("skipping")
        (directory / "skips_override.py").write_text(_skipping_plugin(member), encoding="utf-8")
        run = run_suite_in(
            directory, f"{DERIVED}::test_async_api_runs_your_override_of_its_sync_twin[{feature}]",
            "-p", "skips_override", f"--hypothesis-seed={seed}",
        )  # fmt: skip
        assert run.returncode == 0, run.output[-2000:]
        verdicts.append(run.feature(feature)["verdict"])
        notes.append(" ".join(run.feature(feature)["notes"]))
    assert verdicts == ["diverges", "diverges"], (member, notes)
    assert all("did not run your code" in note or "differently" in note for note in notes)
