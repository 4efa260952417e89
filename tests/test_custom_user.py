"""The custom-user column: the same checks with a project's own user model, recorded as features
of their own and folded into the cell's results file (feature: AUTH_USER_MODEL; design.md,
"Extensions")."""

from __future__ import annotations

import json

import pytest

from conformance.results import fold_variant
from tests.conftest import ROOT, run_suite_in

SURFACE = ROOT / "conformance/runner/suite/test_surface.py"
CHECKS = "auth.aauthenticate or auth.user.acheck_password"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same two checks with Django's user model, then with one that logs in by email."""
    stock = run_suite_in(tmp_path_factory.mktemp("stock"), str(SURFACE), "-k", CHECKS)
    custom = run_suite_in(
        tmp_path_factory.mktemp("custom"), str(SURFACE), "-k", CHECKS,
        "--conformance-variant=custom-user",
        env={"DJANGO_SETTINGS_MODULE": "testapp.settings_custom_user"},
    )  # fmt: skip
    return stock, custom


def test_a_variant_records_its_features_under_its_own_ids(runs):
    _, custom = runs
    assert custom.returncode == 0, custom.output[-2000:]
    assert set(custom.results["features"]) == {
        "custom-user.auth.aauthenticate",
        "custom-user.auth.user.acheck_password",
    }


def test_a_custom_user_model_s_check_password_override_is_skipped_by_the_async_path(runs):
    stock, custom = runs
    assert stock.feature("auth.user.acheck_password")["verdict"] == "native"
    found = custom.feature("custom-user.auth.user.acheck_password")
    assert found["verdict"] == "diverges"
    assert "EmailUser.check_password" in " ".join(found["notes"])


def test_folding_a_variant_adds_its_features_to_the_cell_s_results(runs, tmp_path):
    stock, custom = runs
    main, variant = tmp_path / "cell.json", tmp_path / "cell.custom-user.json"
    main.write_text(stock.results_path.read_text())
    variant.write_text(custom.results_path.read_text())
    fold_variant(main, variant)
    folded = json.loads(main.read_text())
    assert {"auth.aauthenticate", "custom-user.auth.aauthenticate"} <= set(folded["features"])
    assert len(folded["checks"]) == len(stock.results["checks"]) + len(custom.results["checks"])
    assert folded["status"] == "complete"
    assert not variant.exists()
