"""Hypothesis profiles for the suite: ``dev`` (fast, local), ``ci`` (derandomized), ``thorough``.

Registered when the plugin is imported, before Hypothesis' own pytest plugin reads
``--hypothesis-profile``, so ``nox -t <cell> -- --hypothesis-profile=thorough`` picks one.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

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

for _name, _settings in PROFILES.items():
    settings.register_profile(_name, _settings)
