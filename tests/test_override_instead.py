"""A divergent override check says what to write instead, as a user writes it, and has run it
(feature: extension points; issue 25, "Divergences a developer can act on").

When an async twin skips the user's override of its sync twin, the check runs the sync twin
through ``sync_to_async`` against the sync twin itself and records it as ``instead``: the code,
whether it works (same result, hooks, queries and rows) and why. The evidence and the advice
are the user's code: their subclass ``Your<Class>`` written out, called by name, never a kit
helper such as ``yours(...)``.
"""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT, run_suite_in

DERIVED = ROOT / "conformance/runner/suite/test_derived_extensions.py"
CHECK = "test_async_api_runs_your_override_of_its_sync_twin"
# Two owners the kit builds differently: one by calling the class, one fetched as a model.
FEATURES = (
    "hooks.override-exact.auth.anonymous-user.aget_all_permissions",
    "hooks.override-narrow.auth.user.aget_all_permissions",
)
KIT_HELPERS = ("yours(", "derived_of", "note(", "adopt(")


@pytest.fixture(scope="module")
def checks(tmp_path_factory) -> dict[str, dict]:
    run = run_suite_in(
        tmp_path_factory.mktemp("instead"), *(f"{DERIVED}::{CHECK}[{f}]" for f in FEATURES)
    )
    assert run.returncode == 0, run.output[-2000:]
    return {check["feature"]: check for check in run.results["checks"]}


@pytest.mark.parametrize("feature", FEATURES)
def test_a_divergent_override_check_records_a_working_instead_in_plain_user_code(checks, feature):
    check = checks[feature]
    assert check["verdict"] == "diverges", check["notes"]
    evidence = check["evidence"]
    instead = evidence["instead"]
    assert instead["works"] is True, instead
    assert instead["why"].startswith("it runs your Your"), instead["why"]
    code, snippet, example = instead["code"], evidence["snippet"], evidence["example"]
    assert code.startswith("await sync_to_async(Your"), code
    assert code.endswith(".get_all_permissions)()"), code
    for text in (code, snippet, example):
        assert not any(helper in text for helper in KIT_HELPERS), text
    # The snippet is Python a user can paste: it defines the subclass the calls name.
    tree = ast.parse(f"{snippet}\n{code}")
    defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert defined == {example.partition("(")[0].partition(".")[0]}, snippet
    assert "super().get_all_permissions(" in snippet
    assert f"do this instead: {code}" in check["notes"][0]
