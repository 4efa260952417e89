"""The reference's claims as data: ``conformance/data/claims.toml``, loaded and checked for shape.

Shared by the run (a check records the claims it bears), the report (which decides each claim)
and the scan (which reads the native alternatives of each pattern). It imports neither Django
nor report code.
"""

from __future__ import annotations

import operator
import tomllib
from importlib.resources import files
from typing import Any

ASSERTIONS = ("native", "needs-sync-to-async", "measurement", "measured", "untestable")
# The keys of a spread as ``conformance.runner.measure.spread`` records it.
SPREAD = frozenset({"median", "q1", "q3", "min", "max"})
# The checks whose measurements are timings (conformance/runner/suite/test_performance.py).
TIMING = "pattern.performance."
OPERATORS = {
    "==": operator.eq,
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "in": lambda value, allowed: value in allowed,
}


def load(text: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The claims data, checked for shape.

    ``claim`` tables are the claims; ``alternative`` tables name, per pattern feature, the native
    API a release may offer for the same work (``pattern``, ``feature``, ``api``).
    """
    if text is None:
        text = (files("conformance.data") / "claims.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    claims, alternatives = data.get("claim", []), data.get("alternative", [])
    seen = set()
    for claim in claims:
        missing = {"id", "section", "quote", "claim", "asserts"} - set(claim)
        if missing:
            raise ValueError(f"claim {claim.get('id', '?')} lacks {sorted(missing)}")
        if claim["asserts"] not in ASSERTIONS:
            raise ValueError(f"claim {claim['id']}: unknown asserts {claim['asserts']!r}")
        if claim["id"] in seen:
            raise ValueError(f"claim {claim['id']} is listed twice")
        seen.add(claim["id"])
        if claim["asserts"] in {"untestable", "measured"} and not claim.get("why"):
            raise ValueError(f"claim {claim['id']}: an undecided claim needs a `why`")
        if claim["asserts"] != "untestable" and not claim.get("features"):
            raise ValueError(f"claim {claim['id']}: needs at least one feature")
        for condition in claim.get("measure", []):
            _check_condition(claim, condition)
    return {"claim": claims, "alternative": alternatives}


def _check_condition(claim: dict[str, Any], condition: dict[str, Any]) -> None:
    """A ``[[claim.measure]]`` table fits its claim: a bound to decide by, or none to report."""
    where = f"claim {claim['id']}"
    if claim["asserts"] == "measured":
        if {"op", "value"} & set(condition):
            raise ValueError(
                f"{where}: a measured claim reports figures and decides nothing; drop `op` and "
                "`value`, or quote the reference's number in `stated` with "
                'asserts = "measurement"'
            )
        return
    if condition.get("op") not in OPERATORS:
        raise ValueError(f"{where}: unknown op {condition.get('op')!r}")
    if condition.get("feature", "").startswith(TIMING) and not condition.get("stated"):
        raise ValueError(
            f"{where}: a timing decides a claim only against a bound the reference states; "
            'quote it in `stated`, or make the claim asserts = "measured" with a `why`'
        )
