"""What an extra column changes against its stock column, on crafted merged data (no Django)."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import jsonschema
import pytest

from conformance.report.columns import column_changes
from tests.report_data import crafted, page_markup

SCHEMA = json.loads(files("conformance.report").joinpath("merged-schema.json").read_text("utf-8"))
ADD_ON = {
    "label": "PostgreSQL + django-async-backend",
    "family": "postgresql",
    "stock": False,
    "packages": ["django-async-backend 6.1.0"],
}
COLUMN, BASE = "django-6.1-async-backend", "django-6.1-postgresql"


def merged(verdicts: dict[str, tuple[str, str]], *, states=("complete", "complete")) -> dict:
    """Two 6.1 cells (stock PostgreSQL and the column) and one SQLite cell, with each feature's
    (stock, column) verdicts."""
    cells = [
        {"id": BASE, "django_series": "6.1", "backend": "postgresql", "state": states[0]},
        {"id": COLUMN, "django_series": "6.1", "backend": "async-backend", "state": states[1]}
        | {"column": ADD_ON},
        {"id": "django-6.1-sqlite", "django_series": "6.1", "backend": "sqlite"}
        | {"state": "complete"},
    ]
    features = [
        {
            "id": feature_id,
            "title": feature_id,
            "cells": {
                BASE: {"verdict": stock, "notes": []},
                COLUMN: {"verdict": column, "notes": [f"why {feature_id}"]},
                "django-6.1-sqlite": {"verdict": "native", "notes": []},
            },
        }
        for feature_id, (stock, column) in verdicts.items()
    ]
    return {"cells": cells, "features": features}


def changes(found: list[dict[str, Any]]) -> dict[str, tuple[str, str, str]]:
    (column,) = found
    return {c["feature"]: (c["kind"], c["stock"], c["column"]) for c in column["changes"]}


def test_a_feature_with_another_measured_verdict_is_a_change() -> None:
    found = column_changes(merged({"model.asave": ("native", "diverges")}))
    assert changes(found) == {"model.asave": ("changed", "native", "diverges")}


def test_features_with_the_same_verdict_are_counted_not_listed() -> None:
    found = column_changes(
        merged({"queryset.aget": ("native", "native"), "queryset.alist": ("absent", "absent")})
    )
    assert found[0]["same"] == 2
    assert found[0]["changes"] == []


def test_a_feature_the_stock_cell_skipped_is_column_only() -> None:
    found = column_changes(merged({"async-backend.atomic.commit": ("skipped", "native")}))
    assert changes(found) == {"async-backend.atomic.commit": ("column-only", "skipped", "native")}


def test_an_error_on_the_column_is_unmeasured_never_a_change() -> None:
    found = column_changes(merged({"model.async_save": ("native", "error")}))
    assert changes(found) == {"model.async_save": ("unmeasured", "native", "error")}


def test_a_feature_skipped_on_both_is_neither_same_nor_changed() -> None:
    found = column_changes(merged({"async-backend.cursor.fetch": ("skipped", "skipped")}))
    assert (found[0]["same"], found[0]["changes"]) == (0, [])


def test_changes_come_in_kind_order() -> None:
    found = column_changes(
        merged(
            {
                "a.unmeasured": ("native", "error"),
                "b.only": ("skipped", "native"),
                "c.changed": ("native", "unsupported"),
            }
        )
    )
    assert [c["kind"] for c in found[0]["changes"]] == ["changed", "column-only", "unmeasured"]


def test_the_column_keeps_its_notes_as_the_reason() -> None:
    found = column_changes(merged({"model.asave": ("native", "diverges")}))
    assert found[0]["changes"][0]["notes"] == ["why model.asave"]


@pytest.mark.parametrize("states", [("complete", "error"), ("not-run", "complete")])
def test_a_cell_that_did_not_complete_is_not_compared_and_says_why(states) -> None:
    found = column_changes(merged({"model.asave": ("native", "diverges")}, states=states))
    assert not found[0]["compared"]
    assert found[0]["changes"] == []
    assert "is error" in found[0]["why_not"] or "is not-run" in found[0]["why_not"]


def test_a_column_without_a_stock_cell_of_its_release_says_so() -> None:
    data = merged({"model.asave": ("native", "diverges")})
    data["cells"] = [cell for cell in data["cells"] if cell["id"] != BASE]
    (found,) = column_changes(data)
    assert found["stock_cell"] is None
    assert found["why_not"] == "the matrix has no postgresql cell for Django 6.1"


def test_stock_cells_themselves_get_no_entry() -> None:
    assert [c["cell"] for c in column_changes(merged({}))] == [COLUMN]


def test_an_add_on_column_builds_on_the_stock_cell_of_its_server_family() -> None:
    data = merged({"model.asave": ("native", "diverges")})
    data["cells"][1]["column"] = ADD_ON | {"family": "sqlite"}
    (found,) = column_changes(data)
    assert found["stock_cell"] == "django-6.1-sqlite"


def test_the_merged_schema_allows_the_columns_key() -> None:
    data = crafted()
    data["columns"] = column_changes(merged({"model.asave": ("native", "diverges")}))
    jsonschema.validate(data, SCHEMA)


def test_the_report_shows_each_change_with_both_verdicts() -> None:
    data = crafted()
    data["columns"] = column_changes(merged({"model.asave": ("native", "diverges")}))
    page = page_markup(data)
    section = page[page.index('<section id="columns">') :]
    section = section[: section.index("</section>")]
    assert f"{COLUMN} against {BASE}" in section
    assert "#model.asave--django-6.1-async-backend" in section
    assert "why model.asave" in section
