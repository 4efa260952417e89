"""Every pattern that needs sync_to_async has a workaround a user can paste, which the kit runs
(feature: My setup; issue #25, "My setup is an answer you can paste")."""

from __future__ import annotations

import pytest

from conformance.features import FEATURES
from tests.report_data import FULL_RUN, full_run


@pytest.mark.skipif(not FULL_RUN.exists(), reason="no reports/results.json: run `nox` first")
def test_every_pattern_the_real_run_found_needing_sync_to_async_has_a_workaround() -> None:
    needing = {
        feature["id"]
        for feature in full_run()["features"]
        if feature["id"] in FEATURES
        and FEATURES[feature["id"]].kind == "pattern"
        # production measurements are their own group of My setup: views on a real server
        and FEATURES[feature["id"]].area != "production"
        and any(cell["verdict"] == "needs-sync-to-async" for cell in feature["cells"].values())
    }
    assert needing
    assert sorted(f for f in needing if not FEATURES[f].workaround.strip()) == []
