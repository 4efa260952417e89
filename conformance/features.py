"""The feature vocabulary: every id a check may name, with its area and reference section.

Ids are dotted paths independent of file layout (``queryset.aget``, ``pattern.lazy-forward-fk``).
The plugin refuses a check whose feature is not listed here, so typos cannot create features.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files

AREAS: tuple[str, ...] = (
    "retrieval",
    "aggregation",
    "iteration",
    "creation",
    "bulk",
    "update-delete",
    "related-managers",
    "model-instance",
    "transactions",
    "patterns",
)


@dataclass(frozen=True)
class Feature:
    id: str
    title: str
    area: str
    kind: str  # "method" (an async API with a sync twin) or "pattern" (a way of working)
    ref: str  # the reference section it comes from, as its heading's anchor


METHOD_FEATURES: tuple[Feature, ...] = (
    Feature("queryset.aget", "QuerySet.aget()", "retrieval", "method", "available-async-methods"),
    Feature(
        "queryset.acount",
        "QuerySet.acount()",
        "aggregation",
        "method",
        "available-async-methods",
    ),
    Feature(
        "queryset.acreate",
        "QuerySet.acreate()",
        "creation",
        "method",
        "available-async-methods",
    ),
    Feature(
        "queryset.async-for",
        "async for over a QuerySet",
        "iteration",
        "method",
        "available-async-methods",
    ),
)


def _load_data_features() -> tuple[Feature, ...]:
    """Features kept as data: every ``[[feature]]`` table in ``conformance/data/*.toml``."""
    found = []
    for entry in sorted(files("conformance.data").iterdir(), key=lambda path: path.name):
        if entry.name.endswith(".toml"):
            table = tomllib.loads(entry.read_text(encoding="utf-8"))
            found.extend(Feature(**item) for item in table.get("feature", []))
    return tuple(found)


FEATURES: dict[str, Feature] = {
    feature.id: feature for feature in (*METHOD_FEATURES, *_load_data_features())
}


def feature(feature_id: str) -> Feature:
    """The feature with this id; unknown ids are an error, never a silent new feature."""
    try:
        return FEATURES[feature_id]
    except KeyError:
        raise KeyError(
            f"unknown feature id {feature_id!r}: add it to conformance/features.py"
        ) from None
