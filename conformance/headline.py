"""Which of a divergence's diverging calls leads its evidence: the call a developer would
write, not the grid's oddest. Shared by the plugin (per check) and the merge (across cells)."""

from __future__ import annotations

from typing import Any

# How the grid varies a call, from the call a user writes most often to the oddest one: the
# seeds, the other receivers, meaningful values, other keyword sets, edge values, an unknown
# keyword. Edge values are the grid's own ``calls.EDGES``, as the example's comment names them.
_EDGE_VALUES = frozenset({"None", "0", "-1", "1", "1000000000", "2.0", "''", "[]", "object()"})


def ordinariness(example: str) -> int:
    """0 for a seeded call, up to 5 for a call with an unknown keyword (see above)."""
    _, marker, varied = example.rpartition("  # ")
    if not marker or varied == "as seeded":
        return 0
    if varied.startswith("receiver: "):
        return 1
    if varied == "an unknown keyword":
        return 5
    if varied in ("other keywords", "other arguments"):
        return 3
    if varied.partition("=")[2] in _EDGE_VALUES:
        return 4
    return 2


def _visible(evidence: dict[str, Any]) -> bool:
    """Whether a caller sees the difference in what the call gives back or leaves behind,
    rather than only in the queries it issued."""
    both = [evidence.get(key) or {} for key in ("hooks", "warnings")]
    return (
        evidence.get("observed") != evidence.get("sync_twin")
        or "database" in evidence
        or any(found.get("sync") != found.get("async") for found in both)
    )


def headline_rank(evidence: dict[str, Any] | None) -> tuple[int, int, int]:
    """Which diverging call leads a divergence's evidence (lower first): the most ordinary
    call, then one whose difference a caller sees, then the shortest."""
    evidence = evidence or {}
    example = evidence.get("example") or evidence.get("snippet") or ""
    return (ordinariness(example), 0 if _visible(evidence) else 1, len(example))
