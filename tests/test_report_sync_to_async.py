"""The report's "which patterns still need sync_to_async" table, from results files alone."""

from __future__ import annotations

import re

from conformance.report.merge import merge
from conformance.report.render import render_markdown
from conformance.results import write_results
from tests.report_data import page_markup
from tests.session_data import session


def _merged(tmp_path):
    for cell_id, aadd in (("django-4.1-sqlite", "absent"), ("django-4.2-sqlite", "native")):
        verdicts = {"pattern.m2m-add": "needs-sync-to-async", "related.m2m.aadd": aadd}
        write_results(tmp_path / f"{cell_id}.json", session(cell_id, verdicts))
    return merge(tmp_path)


def test_a_pattern_that_needs_wrapping_is_listed_with_its_native_alternative(tmp_path):
    (row,) = [r for r in _merged(tmp_path)["sync_to_async"] if r["feature"] == "pattern.m2m-add"]
    assert row["verdicts"] == {
        "django-4.1-sqlite": "needs-sync-to-async",
        "django-4.2-sqlite": "needs-sync-to-async",
    }
    (alternative,) = row["alternatives"]
    assert alternative["feature"] == "related.m2m.aadd"
    assert alternative["native_since"]["sqlite"] == {"series": "4.2", "floor": False}


def test_the_page_shows_the_table_with_the_alternatives_since(tmp_path):
    page = page_markup(_merged(tmp_path))
    section = re.search(r'<section id="still-sync-to-async">(.*?)</section>', page, re.S)
    assert section is not None
    text = section.group(1)
    assert 'href="#feature-pattern.m2m-add"' in text
    assert "aadd()</code></a> (native since 4.2)" in text


def test_the_summary_lists_the_pattern(tmp_path):
    summary = render_markdown(_merged(tmp_path))
    assert "### Patterns that needed sync_to_async (1)" in summary
