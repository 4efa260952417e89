"""Verdicts, and how the verdicts of several checks of one feature fold into one."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Verdict(StrEnum):
    """What a session observed of one feature (see design.md for the full meaning)."""

    NATIVE = "native"
    NEEDS_SYNC_TO_ASYNC = "needs-sync-to-async"
    ABSENT = "absent"
    UNSUPPORTED = "unsupported"
    DIVERGES = "diverges"
    ERROR = "error"
    SKIPPED = "skipped"


# A feature's verdict is its most serious check's: one divergence or one broken check must
# never be hidden by other checks of the same feature that happened to pass.
SEVERITY: tuple[Verdict, ...] = (
    Verdict.ERROR,
    Verdict.DIVERGES,
    Verdict.UNSUPPORTED,
    Verdict.NEEDS_SYNC_TO_ASYNC,
    Verdict.NATIVE,
    Verdict.ABSENT,
    Verdict.SKIPPED,
)

# Verdicts that make a run fail: Django disagreeing with itself, or the kit breaking.
FAILING: frozenset[Verdict] = frozenset({Verdict.DIVERGES, Verdict.ERROR})


def fold(verdicts: Iterable[Verdict]) -> Verdict:
    """The feature verdict of its checks' verdicts; skips count only when all checks skipped."""
    present = set(verdicts)
    if not present:
        raise ValueError("a feature needs at least one check verdict to fold")
    return min(present, key=SEVERITY.index)
