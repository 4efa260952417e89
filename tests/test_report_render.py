"""The report's HTML and Markdown, the merged schema and the command line, on crafted data."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markupsafe import escape

from conformance.report.__main__ import main
from conformance.report.labels import (
    ADD_ON_PAGES,
    DIVERGES_MEANING,
    add_on_page,
    area_label,
    docs_link,
    outcome_text,
    releases_text,
    short_since,
    since_label,
    since_text,
)
from conformance.report.merge import differences, merge
from conformance.report.page_data import (
    area_groups,
    backend_differences,
    claim_links,
    column_cell,
    evidence_chunks,
    matrix_columns,
    ordered_claims,
    panel_check,
    read_data,
    read_evidence,
    search_text,
    surface_members,
)
from conformance.report.render import decode_data, md_text, render_html, render_markdown, visible
from conformance.results import not_run_results, write_results
from tests.report_data import (
    DIVERGING_FEATURE,
    FULL_RUN,
    HOSTILE,
    HOSTILE_FEATURE,
    INCOMPLETE_CELL,
    LONG_LINE,
    MINIMAL_CALL,
    NOT_RUN_CELL,
    OTHER_CALL,
    SURFACE_APIS,
    WORKAROUND,
    cell_id,
    crafted,
    full_run,
    large,
    page_markup,
    write_page,
)

ROOT = Path(__file__).resolve().parent.parent
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SCHEMA = json.loads(files("conformance.report").joinpath("merged-schema.json").read_text("utf-8"))


DATA_ELEMENT = re.compile(
    r'<script type="application/octet-stream" id="([a-z0-9-]+)"[^>]*>(.*?)</script>', re.S
)


def _embedded(html: str) -> dict[str, Any]:
    """The page's data elements by id, as its script reads them: the report's data, the search
    text and each area's evidence, repeated parts resolved."""
    found = {m.group(1): decode_data(m.group(2)) for m in DATA_ELEMENT.finditer(html)}
    found["report-data"] = read_data(found["report-data"])
    order = found["report-data"]["cell_order"]
    return {
        key: read_evidence(value, order) if key.startswith("evidence-") else value
        for key, value in found.items()
    }


def _embedded_data(html: str) -> dict:
    found = _embedded(html)
    assert "report-data" in found, "the page embeds no report data"
    return found["report-data"]


def _section(html: str, section_id: str) -> str:
    """One ``<section>`` of the page, by id."""
    start = html.index(f'<section id="{section_id}">')
    return html[start : html.index("</section>", start)]


def _outside_data(html: str) -> str:
    """The page without its embedded data: the markup a browser parses as HTML."""
    return DATA_ELEMENT.sub("", html)


# --- view helpers -------------------------------------------------------------------------


def test_area_groups_follow_the_vocabulary_with_unknown_areas_last() -> None:
    areas = [area for area, _ in area_groups(crafted()["features"])]
    assert areas == ["retrieval", "aggregation", "bulk", "patterns", "zz-unknown"]


def test_since_label_says_or_earlier_for_the_oldest_release() -> None:
    assert since_label({"series": "4.1", "floor": True}) == "4.1 or earlier"


def test_since_label_says_not_native_when_there_is_no_since() -> None:
    assert since_label(None) == "not native"


def test_since_text_names_each_backend_when_they_disagree() -> None:
    since = {"sqlite": {"series": "5.0", "floor": False}, "postgresql": None}
    assert since_text(since, LABELS) == ("native since SQLite 5.0 · PostgreSQL not native")


def test_backend_differences_list_a_release_whose_backends_disagree() -> None:
    found = {(d["feature"], d["series"]) for d in backend_differences(crafted())}
    assert ("queryset.abulk_create", "5.2") in found


def test_backend_differences_leave_out_cells_that_did_not_run() -> None:
    found = {(d["feature"], d["series"]) for d in backend_differences(crafted())}
    assert ("queryset.abulk_create", "4.1") not in found


def test_claims_are_ordered_refuted_first() -> None:
    statuses = [claim["status"] for claim in ordered_claims(crafted()["claims"])]
    assert statuses == ["refuted", "untestable", "confirmed"]


def test_releases_text_says_the_releases_once_when_the_backends_agree() -> None:
    both = {"first": "5.0", "last": "6.0"}
    divergence = both | {"by_backend": {"sqlite": both, "postgresql": both}}
    assert releases_text(divergence, LABELS) == "5.0 to 6.0"


def test_releases_text_names_each_backend_and_where_it_was_not_seen() -> None:
    divergence = crafted()["divergences"][0]
    assert releases_text(divergence, LABELS) == ("PostgreSQL 5.0 to 5.2; not seen on SQLite")


def test_outcome_text_words_an_exception_as_the_evidence_panel_does() -> None:
    raised = {"kind": "exception", "repr": "E('x')", "type": "builtins.E", "message": "x"}
    assert outcome_text(raised) == "raised builtins.E: x"


def test_surface_members_come_from_the_newest_complete_cell_that_ran_them() -> None:
    found = {member["feature"]: member for member in surface_members(crafted()["cells"])}
    member = found[DIVERGING_FEATURE]
    assert (member["cell"]["id"], member["calls"]) == (cell_id("5.2", "postgresql"), 12)


def test_visible_shows_control_characters_as_escapes() -> None:
    assert visible("a\x00b\x1b\nc") == "a\\x00b\\x1b\nc"


def test_visible_shows_line_separators_as_unicode_escapes() -> None:
    assert visible("a\u2028b") == "a\\u2028b"


@pytest.mark.parametrize(
    ("hidden", "shown"),
    [("\u202e", "\\u202e"), ("\u2066", "\\u2066"), ("\u200b", "\\u200b"), ("\ufeff", "\\ufeff")],
)
def test_visible_shows_bidi_overrides_and_zero_width_characters(hidden: str, shown: str) -> None:
    assert visible(f"abc{hidden}def") == f"abc{shown}def"


def test_area_names_read_as_words() -> None:
    assert (area_label("update-delete"), area_label("zz-unknown")) == (
        "Update and delete",
        "Zz unknown",
    )


def _feature_with_code(snippet: str) -> dict:
    check = {"evidence": {"snippet": snippet}}
    return {
        "id": "pattern.m2m-add",
        "title": "M2M add() in a coroutine",
        "area": "patterns",
        "cells": {"c": {"checks": [check]}},
    }


@pytest.mark.parametrize(
    "query",
    ["tags.aadd", "transaction.atomic", "async with", "select_related", "article.tags.aadd"],
)
def test_search_text_knows_the_code_a_check_ran(query: str) -> None:
    code = (
        "async with transaction.atomic():\n"
        "    article = await Article.objects.select_related('author').aget(pk=1)\n"
        "    await article.tags.aadd(tag)"
    )
    assert query in search_text(_feature_with_code(code), [])


def test_search_text_names_the_native_alternatives() -> None:
    text = search_text(_feature_with_code(""), [{"api": "RelatedManager.aadd()"}])
    assert "relatedmanager.aadd()" in text


def test_docs_link_points_at_the_member_in_that_releases_documentation() -> None:
    assert docs_link("queryset.aget", "5.2") == (
        "https://docs.djangoproject.com/en/5.2/ref/models/querysets/"
        "#django.db.models.query.QuerySet.aget"
    )


def test_docs_link_of_a_pattern_is_the_async_topic() -> None:
    assert (
        docs_link("pattern.m2m-add", "5.2") == "https://docs.djangoproject.com/en/5.2/topics/async/"
    )


DOCS = "https://docs.djangoproject.com/en/6.0/"


@pytest.mark.parametrize(
    ("feature", "link"),
    [
        ("cache.database.aget", "topics/cache/"),
        (
            "sessions.file-store.aload",
            "topics/http/sessions/#django.contrib.sessions.backends.base.SessionBase.aload",
        ),
        (
            "sessions.signed-cookies-store.acreate",
            "topics/http/sessions/#django.contrib.sessions.backends.base.SessionBase.acreate",
        ),
        ("test.client.alogin", "topics/testing/tools/#django.test.Client.alogin"),
        # under a custom user model, or an override: the API it calls
        ("custom-user.auth.alogin", "topics/auth/default/#django.contrib.auth.alogin"),
        (
            "custom-user.test.client.aforce_login",
            "topics/testing/tools/#django.test.Client.aforce_login",
        ),
        (
            "custom-user.hooks.override-exact.auth.anonymous-user.ahas_perm",
            "ref/contrib/auth/#django.contrib.auth.models.AnonymousUser.ahas_perm",
        ),
        (
            "hooks.override-variadic.queryset.aget",
            "ref/models/querysets/#django.db.models.query.QuerySet.aget",
        ),
        ("hooks.override-narrow.cache.database.aset", "topics/cache/"),
        ("production.testing.asyncclient-testcase", "topics/testing/tools/"),
        ("production.connections.pool", "ref/databases/"),
        ("production.view.gather", "topics/async/"),
    ],
)
def test_docs_link_of_every_django_api_names_its_page(feature: str, link: str) -> None:
    assert docs_link(feature, "6.0") == DOCS + link


def test_an_add_ons_own_api_has_no_django_docs_link_but_its_project_page() -> None:
    assert docs_link("async-backend.queryset.aiterator", "6.1") is None
    assert (
        add_on_page(["django-async-backend 6.1.5"])
        == "https://django-async-backend.readthedocs.io/"
    )
    assert (
        add_on_page(["django-async-backend[binary,pool]~=6.1.0"])
        == ADD_ON_PAGES["django-async-backend"]
    )
    assert add_on_page(["my-own-backend 1.0"]) is None


def test_every_add_on_project_page_is_the_one_its_data_file_gives() -> None:
    data = (ROOT / "conformance" / "data").glob("*.toml")
    text = "\n".join(path.read_text("utf-8") for path in data)
    assert [page for page in ADD_ON_PAGES.values() if page not in text] == []


# --- HTML ---------------------------------------------------------------------------------


class _Fetches(HTMLParser):
    """Every tag that would make a browser fetch something: a src, a stylesheet, an import."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag in {"link", "img", "iframe", "object", "embed"} or names & {"src", "srcset"}:
            self.found.append(tag)


def test_the_page_loads_nothing_from_elsewhere() -> None:
    parser = _Fetches()
    parser.feed(_outside_data(page_markup(crafted())))
    assert parser.found == []


def test_the_page_imports_no_stylesheet_or_font() -> None:
    assert not re.search(r"@import|url\(", _outside_data(page_markup(crafted())))


def test_the_embedded_data_cannot_close_its_script_element() -> None:
    html = render_html(crafted())
    encoded = [found.group(2) for found in DATA_ELEMENT.finditer(html)]
    encoded += re.findall(r"<script [^>]*data-deferred[^>]*>(.*?)</script>", html, re.S)
    assert len(encoded) > 3
    assert [text for text in encoded if not re.fullmatch(r"[A-Za-z0-9+/=]*", text)] == []


def test_the_embedded_evidence_round_trips_the_hostile_message() -> None:
    embedded = _embedded(page_markup(crafted()))
    index = _embedded_data(page_markup(crafted()))
    chunk = embedded[f"evidence-{index['features'][HOSTILE_FEATURE]['chunk']}"]
    assert chunk[HOSTILE_FEATURE][cell_id("5.2", "postgresql")]["notes"] == [HOSTILE]


def test_the_index_carries_the_pasteable_workaround_of_a_cell_that_needs_sync_to_async() -> None:
    found = _embedded_data(page_markup(crafted()))["features"][HOSTILE_FEATURE]["workarounds"]
    cells = {cell: text for text, cells in found.items() for cell in cells}
    assert cells[cell_id("5.2", "sqlite")] == WORKAROUND.format(feature=HOSTILE_FEATURE)


def test_hostile_text_in_server_rendered_parts_is_escaped() -> None:
    markup = _outside_data(page_markup(crafted()))
    assert "<script>alert(1)" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup


def test_a_hostile_feature_title_is_escaped() -> None:
    assert "Lazy forward FK &lt;b&gt;access&lt;/b&gt;" in page_markup(crafted())


def test_every_cell_is_shown_by_exactly_one_column() -> None:
    merged = large(20)
    shown = [cell["id"] for column in matrix_columns(merged) for cell in column["cells"]]
    assert sorted(shown) == sorted(cell["id"] for cell in merged["cells"])


def test_every_feature_has_a_link_in_every_column() -> None:
    merged = crafted()
    html = page_markup(merged)
    missing = [
        (feature["id"], column["cells"][0]["id"])
        for feature in merged["features"]
        for column in matrix_columns(merged)
        if f'href="#{feature["id"]}--{column["cells"][0]["id"]}"' not in html
    ]
    assert missing == []


def test_a_release_whose_backends_agree_is_one_column() -> None:
    columns = matrix_columns(large(20))
    assert [(c["series"], len(c["cells"]), c["split"]) for c in columns][:2] == [
        ("6.1", 2, False),
        ("6.0", 2, False),
    ]


def test_a_release_whose_backends_differ_on_a_feature_stays_one_column() -> None:
    columns = [c for c in matrix_columns(crafted()) if c["series"] == "5.2"]
    assert [[cell["id"] for cell in c["cells"]] for c in columns] == [
        [cell_id("5.2", "sqlite"), cell_id("5.2", "postgresql")]
    ]


def test_a_cell_whose_backends_differ_shows_each_verdict_with_its_backends() -> None:
    merged = crafted()
    column = next(c for c in matrix_columns(merged) if c["series"] == "5.2")
    feature = next(f for f in merged["features"] if f["id"] == DIVERGING_FEATURE)
    shown = [(g["verdict"], g["backends"]) for g in column_cell(feature, column)]
    assert shown == [("native", ["SQLite"]), ("diverges", ["PostgreSQL"])]


def test_a_backend_that_skipped_a_feature_is_named_beside_the_others_verdict() -> None:
    merged = crafted()
    column = next(c for c in matrix_columns(merged) if c["series"] == "5.2")
    feature = next(f for f in merged["features"] if f["id"] == "queryset.aget")
    feature["cells"][cell_id("5.2", "sqlite")]["verdict"] = "skipped"
    (group,) = column_cell(feature, column)
    assert (group["verdict"], group["others"]) == (
        "native",
        [{"backend": "SQLite", "verdict": "skipped"}],
    )


def test_the_matrix_puts_the_newest_release_first() -> None:
    series = [column["series"] for column in matrix_columns(large(5))]
    assert series == ["6.1", "6.0", "5.2", "5.1", "5.0", "4.2", "4.1"]


def test_a_split_cell_where_the_backends_differ_is_marked() -> None:
    html = page_markup(crafted())
    cell = re.search(
        r'<span role="gridcell" class="([^"]*)">'
        r'<a href="#queryset.abulk_create--django-5.2-sqlite"',
        html,
    ).group(1)
    assert " d" in cell


def test_each_cell_is_named_by_feature_release_backend_and_verdict() -> None:
    html = page_markup(large(3))
    assert (
        'aria-label="Generated feature 0, Django 6.1, SQLite and PostgreSQL: '
        'wrap (needs sync_to_async)"' in html
    )


def test_every_feature_has_a_permalink() -> None:
    html = page_markup(crafted())
    assert 'id="feature-queryset.aget"' in html
    assert 'href="#feature-queryset.aget"' in html


def test_cells_of_sessions_that_did_not_complete_are_marked_unmeasured() -> None:
    html = page_markup(crafted())
    marked = re.findall(r'class="v-[^"]*\bunmeasured\b[^"]*"><a href="#[^"]+--([^"]+)"', html)
    assert set(marked) == {INCOMPLETE_CELL}


def test_a_session_that_never_ran_has_no_column() -> None:
    shown = {cell["id"] for column in matrix_columns(crafted()) for cell in column["cells"]}
    assert NOT_RUN_CELL not in shown


def test_a_cell_shows_its_verdict_by_symbol_and_word() -> None:
    html = page_markup(crafted())
    cell = re.search(
        r'<span role="gridcell"[^>]*><a href="#queryset.acount--django-4.1-sqlite".*?</a>', html
    ).group(0)
    assert "—" in cell
    assert "absent" in cell


def test_evidence_is_not_rendered_into_the_markup() -> None:
    html = page_markup(crafted())
    assert "return await run(" not in _outside_data(html)


def test_the_megabyte_line_is_only_in_the_embedded_data() -> None:
    html = page_markup(crafted())
    assert LONG_LINE not in _outside_data(html)


def test_the_page_renders_without_a_claims_audit() -> None:
    html = page_markup(crafted(claims=False))
    assert "No claims audit in these results." in html


def test_refuted_claims_come_first_and_link_to_their_cells() -> None:
    html = page_markup(crafted())
    section = html[html.index('id="claims"') :]
    first = re.search(r'<article class="claim (\w+)" id="claim-([^"]+)"', section)
    assert first.groups() == ("refuted", "available-4.1.acount")
    assert 'href="#queryset.acount--django-5.2-sqlite"' in section


def test_confirmed_claims_are_folded_away() -> None:
    html = page_markup(crafted())
    folded = html[html.index('<details id="confirmed-claims">') :]
    assert 'id="claim-available-4.1.aget"' in folded


def test_claim_links_name_the_release_backend_and_verdict() -> None:
    html = page_markup(crafted())
    assert re.search(r'href="#queryset.acount--django-5.2-sqlite"[^>]*>5.2 SQLite ✓</a>', html)


def test_the_page_lists_backend_differences() -> None:
    html = page_markup(crafted())
    section = html[html.index('id="differences"') : html.index('id="claims"')]
    assert 'href="#queryset.abulk_create--django-5.2-postgresql"' in section


def test_the_divergences_come_before_the_matrix() -> None:
    html = page_markup(crafted())
    assert html.index('<section id="divergences">') < html.index('id="matrix-section"')


def test_the_divergences_say_a_divergence_is_djangos_behaviour_not_the_kits_failure() -> None:
    assert str(escape(DIVERGES_MEANING)) in _section(page_markup(crafted()), "divergences")


def test_a_divergence_shows_its_minimal_call_and_both_outcomes_side_by_side() -> None:
    section = _section(page_markup(crafted()), "divergences")
    row = re.search(r'<tr id="divergence-queryset.abulk_create">.*?</tr>', section, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    assert f"<code>{MINIMAL_CALL}</code>" in cells[1]
    assert cells[2].startswith(
        '<p class="differs"><strong>result</strong>: async <code>[]</code>; sync twin '
        "<code>raised builtins.ValueError: Batch size must be a positive integer.</code></p>"
    )
    assert "<strong>your code that ran</strong>: async <code>none</code>" in cells[2]


def test_a_divergence_with_equal_values_says_what_differs() -> None:
    evidence = {
        "observed": {"kind": "value", "repr": "None"},
        "sync_twin": {"kind": "value", "repr": "None"},
        "hooks": {"async": ["receiver b", "receiver a"], "sync": ["receiver a", "receiver b"]},
    }
    assert differences(evidence) == [
        {
            "what": "your code that ran (the same, in another order)",
            "async": "receiver b; receiver a",
            "sync": "receiver a; receiver b",
        }
    ]


def test_a_divergence_names_its_releases_and_links_to_its_row_and_evidence() -> None:
    section = _section(page_markup(crafted()), "divergences")
    assert "diverges in PostgreSQL 5.0 to 5.2; not seen on SQLite" in section
    assert f'href="#feature-{DIVERGING_FEATURE}"' in section
    assert f'href="#{DIVERGING_FEATURE}--{cell_id("5.2", "postgresql")}"' in section


def test_the_other_diverging_calls_are_folded_away() -> None:
    section = _section(page_markup(crafted()), "divergences")
    folded = section[section.index("<details>") : section.index("</details>")]
    assert OTHER_CALL in folded
    assert MINIMAL_CALL not in folded


def test_a_hostile_diverging_call_is_escaped() -> None:
    section = _section(page_markup(crafted()), "divergences")
    assert "<script>" not in section
    assert "&lt;script&gt;alert(1)" in section


def test_the_evidence_panel_gets_the_same_explanation_of_diverges() -> None:
    assert _embedded_data(page_markup(crafted()))["diverges_meaning"] == DIVERGES_MEANING


def test_results_without_divergences_or_surface_still_render() -> None:
    old = crafted()
    del old["divergences"]
    for cell in old["cells"]:
        del cell["surface"]
    html = page_markup(old)
    assert "No feature diverges from its sync twin" in html
    assert "No session in these results introspected its async surface." in html


def test_the_surface_coverage_shows_calls_tried_and_what_was_varied() -> None:
    section = _section(page_markup(crafted()), "surface")
    row = re.search(rf'<tr><td><a href="#feature-{DIVERGING_FEATURE}">.*?</tr>', section, re.S)
    assert "<td>12</td>" in row.group(0)
    assert "as seeded, batch_size, receiver: filtered" in row.group(0)
    assert "exists on the sync twin only" in row.group(0)


def test_the_surface_coverage_lists_each_cells_unchecked_members() -> None:
    section = _section(page_markup(crafted()), "surface")
    row = re.search(r'<tr><td><a href="#env-django-5.2-sqlite">.*?</tr>', section, re.S)
    assert "66.7%" in row.group(0)
    assert "<code>queryset.acontains</code>" in row.group(0)


def test_the_surface_coverage_lists_every_async_api_django_ships_per_release() -> None:
    section = _section(page_markup(crafted()), "surface")
    rows = {
        api: re.search(rf"<tr><td><code>{re.escape(api)}</code>.*?</tr>", section, re.S).group(0)
        for api in (a["api"] for a in SURFACE_APIS["apis"])
    }
    checked = rows["django.db.models.query.QuerySet.aget"]
    assert checked.count("✓ checked") == 2
    assert '<a href="#feature-queryset.aget">' in checked
    new = rows["django.utils.text.acompress_sequence"]
    assert new.count("○ not covered") == 1
    assert "gzip" in new
    assert HOSTILE not in new  # the reason is escaped like any other text
    assert "✗ unaccounted" in rows["django.core.paginator.Paginator.aslice"]


def test_changed_cells_are_marked_in_the_matrix() -> None:
    html = page_markup(crafted(changes=True))
    cell = re.search(
        r'<span role="gridcell"[^>]*><a href="#queryset.acount--django-5.2-sqlite"', html
    ).group(0)
    assert "changed" in cell


def test_the_page_lists_changes_with_old_and_new_verdicts() -> None:
    html = page_markup(crafted(changes=True))
    section = html[html.index('<section id="changes">') : html.index('id="differences"')]
    assert "— absent" in section
    assert "✓ native" in section


def test_the_page_groups_changes_by_kind_saying_which_are_improvements() -> None:
    merged = crafted(changes=True)
    merged["changes"]["changed"].append(
        {
            "feature": "queryset.aget",
            "cell": cell_id("5.2", "sqlite"),
            "old": "native",
            "new": "absent",
        }
    )
    section = _section(page_markup(merged), "changes")
    regressions = section.index('id="changes-regression">Regressions (1): worse than the baseline')
    assert regressions < section.index('id="changes-new-api">New APIs (1): improvements')


def test_the_summary_lists_changes_regressions_first_with_their_kind() -> None:
    merged = crafted(changes=True)
    merged["changes"]["changed"].append(
        {
            "feature": "queryset.aget",
            "cell": cell_id("5.2", "sqlite"),
            "old": "native",
            "new": "absent",
        }
    )
    rows = [line.split(" | ")[:2] for line in render_markdown(merged).splitlines()]
    changes = [row for row in rows if row[0] in ("| regression", "| new-api")]
    assert changes == [["| regression", "queryset.aget"], ["| new-api", "queryset.acount"]]


def test_the_embedded_data_keeps_the_matrix_orders_as_lists() -> None:
    data = _embedded_data(page_markup(crafted()))
    assert (data["feature_order"][0], data["backend_order"], data["releases"]) == (
        "queryset.aget",
        ["sqlite", "postgresql"],
        ["4.1", "5.0", "5.2"],
    )


def test_the_page_shows_exact_versions_per_cell() -> None:
    html = page_markup(crafted())
    row = re.search(r'<tr id="env-django-5.2-postgresql">.*?</tr>', html, re.S).group(0)
    assert "5.2.3" in row
    assert "psycopg 3.2.3" in row
    assert "PostgreSQL 16.4" in row


def test_the_page_stays_small_per_cell() -> None:
    merged = large(400)
    markup = _outside_data(page_markup(merged))
    cells = len(merged["features"]) * len(merged["cells"])
    assert len(markup) / cells < 250


# --- Markdown -----------------------------------------------------------------------------


def test_md_text_escapes_markup_and_html() -> None:
    assert md_text("<b>|*x*|</b> [a](b)") == r"&lt;b&gt;\|\*x\*\|&lt;/b&gt; \[a\](b)"


def test_md_text_keeps_one_line() -> None:
    assert "\n" not in md_text("a\nb\r\nc\x00d")


def test_the_summary_has_no_raw_html_from_hostile_text() -> None:
    assert "<script>" not in render_markdown(crafted())


def test_the_summary_counts_verdicts_per_cell() -> None:
    summary = render_markdown(crafted())
    assert re.search(r"^\| django-5\.2-sqlite \| complete \| 5\.2\.3 \| 4 \|", summary, re.M)


def test_the_summary_lists_refuted_claims() -> None:
    summary = render_markdown(crafted())
    section = summary[summary.index("### Refuted claims") :]
    assert "available-4.1.acount" in section


def test_the_summary_lists_cells_that_did_not_complete() -> None:
    summary = render_markdown(crafted())
    section = summary[summary.index("### Cells that did not complete") :]
    assert f"**{INCOMPLETE_CELL}** (incomplete)" in section


def test_the_summary_lists_divergences_with_their_minimal_call_and_releases() -> None:
    summary = render_markdown(crafted())
    section = summary[summary.index("### Divergences") : summary.index("### Refuted claims")]
    assert DIVERGES_MEANING in section
    assert (
        rf"- **queryset.abulk\_create** (QuerySet.abulk\_create()): {md_text(MINIMAL_CALL)}; "
        "diverges in PostgreSQL 5.0 to 5.2; not seen on SQLite"
    ) in section


def test_the_summary_lists_changes() -> None:
    summary = render_markdown(crafted(changes=True))
    assert "| queryset.acount | django-5.2-sqlite | — absent | ✓ native |" in summary


def test_the_summary_stays_compact_for_a_large_matrix() -> None:
    assert len(render_markdown(large(400)).encode()) < 20_000


# --- schema -------------------------------------------------------------------------------


def test_the_merged_schema_is_a_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_crafted_data_follows_the_merged_schema() -> None:
    jsonschema.validate(crafted(changes=True), SCHEMA)


def test_a_merge_of_no_sessions_follows_the_merged_schema(tmp_path: Path) -> None:
    jsonschema.validate(merge(tmp_path), SCHEMA)


def test_the_schema_refuses_an_unknown_verdict() -> None:
    broken = crafted()
    broken["features"][0]["cells"][cell_id("5.2", "sqlite")]["verdict"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


# The real run's results.json follows the schema by construction: the merge validates what it
# writes (tests/test_merge.py shows a bad document refused).


@pytest.mark.skipif(not FULL_RUN.exists(), reason="no reports/results.json: run `nox` first")
def test_the_full_run_page_weighs_at_most_a_megabyte(tmp_path: Path) -> None:
    page = write_page(tmp_path, full_run())
    assert page.stat().st_size <= 1_000_000


# The default matrix's page budget (issue 25): the real run's page, 22 cells.
PAGE_BUDGET = 400_000


@pytest.mark.skipif(not FULL_RUN.exists(), reason="no reports/results.json: run `nox` first")
def test_the_full_run_page_weighs_at_most_400_kb(tmp_path: Path) -> None:
    page = write_page(tmp_path, full_run())
    assert page.stat().st_size <= PAGE_BUDGET


# An override check's code, as the suite writes it: the member, its sync twin and the class.
OVERRIDE_CODE = (
    "class YourBaseBackend(BaseBackend):\n"
    "    def {twin}(self, user_obj, obj=None):\n"
    "        ...  # your code\n"
    "        return super().{twin}(user_obj, obj)\n\n"
    "await YourBaseBackend().{member}(alice)"
)


def test_checks_that_differ_by_the_member_and_its_twin_are_written_once_and_read_back() -> None:
    merged = crafted()
    template = next(f for f in merged["features"] if f["id"] == "queryset.aget")
    features = []
    for member in ("aget_all_permissions", "aget_group_permissions"):
        feature = json.loads(json.dumps(template))
        feature["id"] = f"hooks.override-exact.auth.base-backend.{member}"
        for result in feature["cells"].values():
            for found in result["checks"]:
                code = OVERRIDE_CODE.format(twin=member[1:], member=member)
                found["evidence"] = {"snippet": code}
        features.append(feature)
    merged["features"] = features
    chunks = evidence_chunks(merged)
    order = [cell["id"] for cell in merged["cells"]]
    snippets = [d for chunk in chunks for d in chunk["defs"] if "YourBaseBackend" in str(d)]
    assert len([d for d in snippets if isinstance(d, str)]) == 1
    read = {fid: cells for chunk in chunks for fid, cells in read_evidence(chunk, order).items()}
    for feature in features:
        member = feature["id"].rpartition(".")[2]
        code = OVERRIDE_CODE.format(twin=member[1:], member=member)
        for place, result in feature["cells"].items():
            shown = read[feature["id"]][place]["checks"]
            assert [c["evidence"]["snippet"] for c in shown] == [code] * len(result["checks"])


def test_the_first_area_s_evidence_is_a_chunk_of_its_own_and_the_rest_one_more() -> None:
    merged = crafted()
    html = render_html(merged)
    embedded, data = _embedded(html), _embedded_data(html)
    first, *later = area_groups(merged["features"])
    expected = [first[1], [feature for _, features in later for feature in features]]
    for index, features in enumerate(expected):
        assert set(embedded[f"evidence-{index}"]) == {feature["id"] for feature in features}
        assert {data["features"][feature["id"]]["chunk"] for feature in features} == {index}


def test_the_evidence_keeps_what_the_panel_draws_and_leaves_out_run_times() -> None:
    check = {
        "id": "t::x",
        "verdict": "native",
        "outcome": "passed",
        "duration_s": 0.01,
        "claims": [],
        "notes": [],
        "evidence": {"snippet": "s", "observed": {}, "tried": {"calls": 3, "grid": [1, 2]}},
    }
    assert panel_check(check) == {
        "id": "t::x",
        "verdict": "native",
        "outcome": "passed",
        "claims": [],
        "notes": [],
        "evidence": {"snippet": "s", "tried": {"calls": 3, "varied": []}},
    }


def test_the_evidence_chunks_hold_every_check_of_every_cell() -> None:
    merged = large(25)
    order = [cell["id"] for cell in merged["cells"]]
    chunks = [read_evidence(chunk, order) for chunk in evidence_chunks(merged)]
    found = {feature_id: cells for chunk in chunks for feature_id, cells in chunk.items()}
    assert found == {
        feature["id"]: {
            cell: {"notes": result["notes"], "checks": [panel_check(c) for c in result["checks"]]}
            for cell, result in feature["cells"].items()
        }
        for feature in merged["features"]
    }


# --- command line -------------------------------------------------------------------------


def _baseline_with_one_change(reports: Path) -> Path:
    """The current run's results.json with one verdict altered, saved as a baseline."""
    earlier = json.loads((reports / "results.json").read_text("utf-8"))
    feature = earlier["features"][0]
    feature["cells"][earlier["cells"][0]["id"]]["verdict"] = "absent"
    path = reports / "old-results.json"
    path.write_text(json.dumps(earlier), encoding="utf-8")
    return path


def test_main_stores_changes_since_a_baseline_in_the_merged_json(tmp_path: Path) -> None:
    cell = {"id": "django-5.2-sqlite", "django_series": "5.2", "backend": "sqlite"}
    write_results(tmp_path / "sessions" / "django-5.2-sqlite.json", not_run_results(cell, "no"))
    main(["--reports", str(tmp_path)])
    baseline = _baseline_with_one_change(tmp_path)
    main(["--reports", str(tmp_path), "--baseline", str(baseline)])
    changes = json.loads((tmp_path / "results.json").read_text("utf-8"))["changes"]
    assert [(c["old"], c["new"]) for c in changes["changed"]] == [("absent", "not-run")]


def test_main_refuses_a_bad_baseline_naming_the_file_and_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "old.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["--reports", str(tmp_path), "--baseline", str(bad)]) == 2
    error = capsys.readouterr().err
    assert str(bad) in error
    assert "Fix:" in error


def test_main_writes_nothing_when_the_baseline_is_bad(tmp_path: Path) -> None:
    main(["--reports", str(tmp_path), "--baseline", str(tmp_path / "missing.json")])
    assert not (tmp_path / "index.html").exists()


def test_claim_links_are_one_per_release_where_the_backends_agree() -> None:
    merged = large(2)
    cells = [cell["id"] for cell in merged["cells"] if cell["django_series"] in ("4.1", "5.2")]
    links = claim_links(
        "generated.f0000",
        cells,
        {feature["id"]: feature for feature in merged["features"]},
        {cell["id"]: cell for cell in merged["cells"]},
    )
    assert [link["label"] for link in links] == ["4.1", "5.2"]


def test_claim_links_name_each_backend_where_they_differ() -> None:
    merged = crafted()
    links = claim_links(
        DIVERGING_FEATURE,
        [cell_id("5.2", "sqlite"), cell_id("5.2", "postgresql")],
        {feature["id"]: feature for feature in merged["features"]},
        {cell["id"]: cell for cell in merged["cells"]},
    )
    assert [(link["label"], link["verdict"]) for link in links] == [
        ("5.2 SQLite", "native"),
        ("5.2 PostgreSQL", "diverges"),
    ]


def test_a_native_alternative_links_to_its_feature() -> None:
    section = _section(page_markup(crafted()), "still-sync-to-async")
    assert (
        '<a href="#feature-queryset.aget"><code>QuerySet.aget() with select_related()</code>'
        in section
    )


def test_a_pattern_is_never_its_own_alternative() -> None:
    merged = crafted()
    merged["sync_to_async"][0]["alternatives"][0]["feature"] = HOSTILE_FEATURE
    section = _section(page_markup(merged), "still-sync-to-async")
    assert "select_related()" not in section


def test_short_since_stars_the_first_backends_release_when_backends_disagree() -> None:
    since = {"sqlite": {"series": "4.2", "floor": False}, "postgresql": None}
    assert short_since(since, ["sqlite", "postgresql"]) == "4.2*"
