"""Hypothesis profiles for the suite: ``dev`` (fast, local), ``ci`` (derandomized), ``thorough``.

Registered when the plugin is imported, before Hypothesis' own pytest plugin reads
``--hypothesis-profile``, so ``nox -t <cell> -- --hypothesis-profile=thorough`` picks one.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis.internal.conjecture import engine

# Checks share one function-scoped database fixture across examples on purpose: each example
# runs inside its own rolled-back savepoint (conformance.runner.probe.rolled_back).
_SHARED = {"suppress_health_check": [HealthCheck.function_scoped_fixture], "deadline": None}

PROFILES = {
    "dev": settings(max_examples=15, **_SHARED),
    "ci": settings(max_examples=30, derandomize=True, print_blob=True, **_SHARED),
    "thorough": settings(max_examples=300, **_SHARED),
}
DEFAULT = "dev"

# Seconds one check may run before it ends as `error` (reason: timeout), per profile: a check
# that hangs must never stall the matrix.
TIMEOUTS: dict[str, float] = {"dev": 30.0, "ci": 30.0, "thorough": 120.0}

# The share of a check's budget Hypothesis may spend shrinking a divergence. Shrinking a call
# that diverges on almost every input can take minutes (Hypothesis' own bound is five); past
# this share it stops and keeps the smallest example found so far, so the check ends as
# `diverges` instead of running into its time budget and ending the whole session.
SHRINK_SHARE = 1 / 3


def bound_shrinking(check_budget_s: float) -> None:
    """Cap the time Hypothesis spends shrinking one failure at a share of a check's budget.

    Hypothesis has no setting for it; its engine reads ``MAX_SHRINKING_SECONDS`` each time it
    starts shrinking (``tests/test_plugin.py`` fails if a Hypothesis release drops the name).
    """
    engine.MAX_SHRINKING_SECONDS = max(1, int(check_budget_s * SHRINK_SHARE))


for _name, _settings in PROFILES.items():
    settings.register_profile(_name, _settings)
