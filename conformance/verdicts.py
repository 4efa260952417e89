"""Verdicts, how the verdicts of several checks of one feature fold into one, and how two or more
sets of verdicts differ (the one diff engine behind baselines, expectations and stability)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """What a session observed of one feature (the README's "Verdicts" gives the meanings)."""

    NATIVE = "native"
    NEEDS_SYNC_TO_ASYNC = "needs-sync-to-async"
    ABSENT = "absent"
    UNSUPPORTED = "unsupported"
    DIVERGES = "diverges"
    ERROR = "error"
    SKIPPED = "skipped"
    # Only in merged results: no session measured the feature in that cell.
    NOT_RUN = "not-run"


# Verdicts a session may record; ``not-run`` is the merge's word for "no session said".
SESSION_VERDICTS: tuple[Verdict, ...] = tuple(v for v in Verdict if v is not Verdict.NOT_RUN)

# Verdicts that say nothing about Django: the feature was not measured in that cell.
UNMEASURED: frozenset[Verdict] = frozenset({Verdict.NOT_RUN, Verdict.ERROR, Verdict.SKIPPED})

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
    Verdict.NOT_RUN,
)


def fold(verdicts: Iterable[Verdict]) -> Verdict:
    """The feature verdict of its checks' verdicts; skips count only when all checks skipped."""
    present = set(verdicts)
    if not present:
        raise ValueError("a feature needs at least one check verdict to fold")
    return min(present, key=SEVERITY.index)


# (cell id, feature id) -> verdict, or a list of verdicts when any of them is accepted.
Key = tuple[str, str]
VerdictTable = Mapping[Key, str | Sequence[str]]


@dataclass(frozen=True)
class Difference:
    """One (cell, feature) whose verdicts are not the same in every table compared."""

    cell: str
    feature: str
    verdicts: tuple[str | Sequence[str] | None, ...]  # one per table, ``missing`` where absent


def _accepts(expected: str | Sequence[str] | None, seen: str | Sequence[str] | None) -> bool:
    if isinstance(expected, str) or expected is None or isinstance(seen, list | tuple):
        return expected == seen
    return seen in expected


def differences(
    tables: Sequence[VerdictTable],
    *,
    keys: Iterable[Key] | None = None,
    missing: str | None = Verdict.NOT_RUN.value,
    order: Callable[[Key], object] | None = None,
) -> list[Difference]:
    """Every key whose verdict differs between ``tables``, in ``order``.

    ``keys`` limits the comparison (default: every key of every table); a table without a key
    counts as ``missing``. A list in the first table accepts any of its verdicts (a known
    intermittent), in the manner of web-platform-tests' expectation metadata.
    """
    wanted = set(keys) if keys is not None else {key for table in tables for key in table}
    found = []
    for key in sorted(wanted, key=order or (lambda key: key)):
        seen = tuple(table.get(key, missing) for table in tables)
        if not all(_accepts(seen[0], other) for other in seen[1:]):
            found.append(Difference(key[0], key[1], seen))
    return found
