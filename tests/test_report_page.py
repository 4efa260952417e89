"""The report page as a reader uses it, in Debian's Chromium: the grid by keyboard, the compact
matrix at 1280 and 390 px, search that knows code, the URL, the evidence, and axe-core.

axe-core comes from the npm registry (``npm pack``), once, into pytest's cache; the tests inject
it into the page. Uses the browser and page fixtures of tests/test_report_browser.py.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.provision.names import on_ci
from conformance.report.labels import VERDICT_STYLE
from conformance.report.page_data import matrix_columns
from tests import test_report_browser as browser_page
from tests.report_data import (
    BIDI,
    FULL_RUN,
    HOSTILE_FEATURE,
    cell_id,
    crafted,
    full_run,
    large,
    with_code,
    with_evidence,
    write_page,
)

browser = browser_page.browser
open_page = browser_page.open_page
Opened = browser_page.Opened
PHONE = browser_page.PHONE
OpenPage = Callable[..., Opened]
WIDE = {"width": 1280, "height": 900}
AXE_VERSION = "4.10.3"
SCREENSHOTS = browser_page.SCREENSHOTS


@pytest.fixture(scope="session")
def axe_source(request: pytest.FixtureRequest) -> str:
    """axe-core's browser build, fetched with ``npm pack`` the first time and kept in the cache."""
    folder = request.config.cache.mkdir(f"axe-core-{AXE_VERSION}")
    script = folder / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            if on_ci(os.environ):
                pytest.fail(
                    "npm is missing, so axe-core cannot be fetched. Fix: apt-get install npm"
                )
            pytest.skip("npm is missing: install it (apt-get install npm) to run axe-core")
        packed = subprocess.run(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(folder)],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if packed.returncode:
            pytest.fail(f"npm pack axe-core@{AXE_VERSION} failed: {packed.stderr.strip()}")
        with tarfile.open(folder / f"axe-core-{AXE_VERSION}.tgz") as archive:
            script.write_bytes(archive.extractfile("package/axe.min.js").read())
    return script.read_text("utf-8")


def _violations(opened: Opened, axe_source: str) -> list[str]:
    """axe-core's violations on the page as it is now: rule, and the first nodes that break it."""
    opened.page.add_script_tag(content=axe_source)
    return opened.page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "))"""
    )


def _focused(opened: Opened) -> str:
    """What has the keyboard focus: a link's href, or the element's id."""
    return opened.page.evaluate(
        "document.activeElement.getAttribute('href') || document.activeElement.id"
    )


def _open_with_keyboard(opened: Opened, key: str) -> None:
    opened.page.focus(f'#matrix a[href="#{key}"]')
    opened.page.keyboard.press("Enter")
    opened.page.wait_for_selector("#evidence", state="visible")


def _box(opened: Opened, selector: str) -> dict[str, float]:
    return opened.page.eval_on_selector(selector, "e => e.getBoundingClientRect().toJSON()")


# --- the grid by keyboard -------------------------------------------------------------------


def test_the_skip_link_is_the_first_tab_stop(open_page: OpenPage) -> None:
    opened = open_page()
    opened.page.keyboard.press("Tab")
    assert opened.page.evaluate("document.activeElement.textContent") == "Skip to the matrix"


def test_the_skip_link_lands_on_the_grid(open_page: OpenPage) -> None:
    opened = open_page()
    opened.page.keyboard.press("Tab")
    opened.page.keyboard.press("Enter")
    assert opened.page.evaluate("document.activeElement.closest('#matrix') !== null")


def test_the_matrix_is_one_tab_stop(open_page: OpenPage) -> None:
    opened = open_page()
    opened.page.focus("#backend")
    opened.page.keyboard.press("Tab")
    inside = opened.page.evaluate("document.activeElement.closest('#matrix') !== null")
    opened.page.keyboard.press("Tab")
    after = opened.page.evaluate("document.activeElement.closest('#matrix') !== null")
    assert (inside, after) == (True, False)


def test_the_grid_remembers_the_cell_it_was_left_on(open_page: OpenPage) -> None:
    opened = open_page()
    opened.page.focus("#backend")
    opened.page.keyboard.press("Tab")
    opened.page.keyboard.press("ArrowDown")
    opened.page.keyboard.press("ArrowRight")
    left_on = _focused(opened)
    opened.page.keyboard.press("Tab")
    opened.page.keyboard.press("Shift+Tab")
    assert _focused(opened) == left_on


def test_home_and_end_go_to_the_ends_of_the_row(open_page: OpenPage) -> None:
    opened = open_page()
    opened.page.focus(f'#matrix a[href="#queryset.aget--{cell_id("5.0", "sqlite")}"]')
    opened.page.keyboard.press("End")
    end = _focused(opened)
    opened.page.keyboard.press("Home")
    assert (end, _focused(opened)) == (
        f"#queryset.aget--{cell_id('4.1', 'sqlite')}",
        f"#queryset.aget--{cell_id('5.2', 'sqlite')}",
    )


def test_a_cell_whose_backends_differ_names_each_verdict_with_its_backend(
    open_page: OpenPage,
) -> None:
    opened = open_page()
    names = [
        "QuerySet.abulk_create(), Django 5.2, SQLite: SQLite native",
        "QuerySet.abulk_create(), Django 5.2, PostgreSQL: PG diverges",
    ]
    found = [opened.page.get_by_role("link", name=name, exact=True).count() for name in names]
    assert found == [1, 1]


def test_arrow_keys_step_through_the_verdicts_of_a_cell_whose_backends_differ(
    open_page: OpenPage,
) -> None:
    opened = open_page()
    opened.page.focus(f'#matrix a[href="#queryset.abulk_create--{cell_id("5.2", "sqlite")}"]')
    opened.page.keyboard.press("ArrowRight")
    assert _focused(opened) == f"#queryset.abulk_create--{cell_id('5.2', 'postgresql')}"


def test_a_merged_cell_names_both_backends(open_page: OpenPage) -> None:
    opened = open_page(large(3))
    name = "Generated feature 0, Django 6.1, SQLite and PostgreSQL: wrap (needs sync_to_async)"
    assert opened.page.get_by_role("link", name=name, exact=True).count() == 1


# --- the evidence -----------------------------------------------------------------------------


def test_the_evidence_opens_below_its_cell_never_over_it(open_page: OpenPage) -> None:
    key = f"queryset.acount--{cell_id('5.2', 'sqlite')}"
    opened = open_page()
    _open_with_keyboard(opened, key)
    cell = _box(opened, f'#matrix a[href="#{key}"]')
    panel = _box(opened, "#evidence")
    assert panel["top"] >= cell["bottom"] - 1


def test_the_evidence_is_a_region_named_by_its_cell(open_page: OpenPage) -> None:
    opened = open_page()
    _open_with_keyboard(opened, f"queryset.acount--{cell_id('5.2', 'sqlite')}")
    region = opened.page.get_by_role("region", name="QuerySet.acount() — Django 5.2, SQLite")
    assert region.is_visible()


def test_the_close_button_closes_the_evidence_and_returns_to_the_cell(open_page: OpenPage) -> None:
    key = f"queryset.acount--{cell_id('5.2', 'sqlite')}"
    opened = open_page()
    _open_with_keyboard(opened, key)
    opened.page.click("#evidence .close")
    assert (opened.page.is_visible("#evidence"), _focused(opened)) == (False, f"#{key}")


def test_a_difference_only_in_primary_keys_is_explained(open_page: OpenPage) -> None:
    cell = cell_id("5.2", "postgresql")
    merged = with_evidence(
        crafted(),
        cell,
        observed={"kind": "value", "repr": "<Record: Record object (595)>"},
        sync_twin={"kind": "value", "repr": "<Record: Record object (594)>"},
    )
    opened = open_page(merged, fragment=f"#queryset.aget--{cell}")
    assert "Only in primary keys" in opened.panel_text()


def test_a_generated_call_reads_as_the_code_that_ran_with_its_values(
    open_page: OpenPage,
) -> None:
    cell = cell_id("5.2", "postgresql")
    call = "await Record.objects.filter(Q(number__gte=0) | ~Q(flag=True)).order_by('pk').aget()"
    merged = with_evidence(
        crafted(), cell, snippet=call, example=f"{call}  # on the rows [Record(label='')]"
    )
    opened = open_page(merged, fragment=f"#queryset.aget--{cell}")
    text = opened.panel_text()
    assert f"code that ran\n{call}" in text
    assert "on the rows [Record(label='')]" in text


def test_the_evidence_links_to_the_django_docs_of_the_release(open_page: OpenPage) -> None:
    opened = open_page(fragment=f"#queryset.acount--{cell_id('5.2', 'sqlite')}")
    opened.panel_text()
    hrefs = opened.page.eval_on_selector_all("#evidence a[rel]", "links => links.map(a => a.href)")
    assert hrefs == [
        "https://docs.djangoproject.com/en/5.2/ref/models/querysets/"
        "#django.db.models.query.QuerySet.acount",
        "https://docs.djangoproject.com/en/dev/releases/5.2/",
    ]


def test_bidi_and_zero_width_characters_in_evidence_are_shown_escaped(
    open_page: OpenPage,
) -> None:
    cell = cell_id("5.2", "postgresql")
    opened = open_page(
        with_evidence(crafted(), cell, example=BIDI), fragment=f"#queryset.aget--{cell}"
    )
    assert "admin\\u202etxt.exe\\u200b" in opened.panel_text()


# --- search and the URL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["tags.aadd", "transaction.atomic", "async with", "select_related(", "Model.asave", "asave()"],
)
def test_search_finds_a_feature_by_the_code_its_check_ran(open_page: OpenPage, query: str) -> None:
    opened = open_page(with_code(crafted()))
    opened.page.fill("#q", query)
    assert f"feature-{HOSTILE_FEATURE}" in opened.visible_rows()


def test_search_and_filters_are_written_into_the_url(open_page: OpenPage) -> None:
    opened = open_page(with_code(crafted()))
    opened.page.fill("#q", "tags.aadd")
    opened.page.select_option("#area", "patterns")
    query = opened.page.evaluate("location.search")
    assert query == "?q=tags.aadd&area=patterns"


def test_search_and_filters_in_the_url_apply_on_load(open_page: OpenPage) -> None:
    opened = open_page(with_code(crafted()), fragment="?q=tags.aadd&verdict=needs-sync-to-async")
    controls = [opened.page.input_value("#q"), opened.page.input_value("#verdict")]
    assert (controls, opened.visible_rows()) == (
        ["tags.aadd", "needs-sync-to-async"],
        [f"feature-{HOSTILE_FEATURE}"],
    )


# --- compact matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("report", [crafted, lambda: large(200)], ids=["split", "merged"])
def test_the_matrix_fits_1280_pixels_without_scrolling_sideways(
    open_page: OpenPage, report: Callable[[], dict[str, Any]]
) -> None:
    opened = open_page(report(), viewport=WIDE)
    sizes = opened.page.evaluate(
        """() => { const wrap = document.querySelector(".wrap");
            return [wrap.scrollWidth - wrap.clientWidth,
                    document.documentElement.scrollWidth - innerWidth]; }"""
    )
    assert sizes == [0, 0]


def test_every_row_of_the_matrix_is_one_line(open_page: OpenPage) -> None:
    opened = open_page(large(60), viewport=WIDE)
    heights = opened.page.eval_on_selector_all(
        "#matrix .g > .r", "rows => rows.map(r => r.getBoundingClientRect().height)"
    )
    assert max(heights) < 26


def _every_word() -> dict[str, Any]:
    """``large`` with every verdict's word in its cells, and a cell whose backends differ in
    each row."""
    merged = large(60)
    words = list(VERDICT_STYLE)
    for index, feature in enumerate(merged["features"]):
        for position, found in enumerate(feature["cells"].values()):
            found["verdict"] = words[(index + position) % len(words)]
    return merged


# Whatever is cut, as its text: a matrix cell, a link of it, a column header or its small line.
CUT_CELLS = """() => {
    // every area laid out, not only those near the screen
    document.querySelectorAll("#matrix .g").forEach(g => { g.style.contentVisibility = "visible" });
    return [...document.querySelectorAll(
        "#matrix [role=gridcell], #matrix [role=gridcell] a, #matrix [role=columnheader]," +
        " #matrix [role=columnheader] small")]
        .filter(c => c.offsetParent && c.scrollWidth > c.clientWidth)
        .map(c => c.textContent.trim());
}"""


def test_every_cells_word_is_shown_in_full_on_a_phone(open_page: OpenPage) -> None:
    opened = open_page(_every_word(), viewport=PHONE)
    assert opened.page.evaluate(CUT_CELLS) == []


def test_the_newest_release_comes_first(open_page: OpenPage) -> None:
    opened = open_page(large(3))
    headers = opened.page.eval_on_selector_all(
        "#matrix [role=columnheader]", "hs => hs.slice(2, 4).map(h => h.firstChild.textContent)"
    )
    assert headers == ["6.1", "6.0"]


def test_the_matrix_does_not_widen_a_phone_screen(open_page: OpenPage) -> None:
    opened = open_page(large(60), viewport=PHONE)
    assert opened.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# --- release compare ------------------------------------------------------------------------


def _five_one_to_five_two() -> dict[str, Any]:
    """Seven releases where, on SQLite, one feature regresses and one arrives in 5.2."""
    merged = large(6)
    features = {feature["id"]: feature for feature in merged["features"]}
    for feature_id, before, after in (
        ("generated.f0000", "native", "needs-sync-to-async"),
        ("generated.f0001", "absent", "native"),
    ):
        cells = features[feature_id]["cells"]
        for series, verdict in (("5.1", before), ("5.2", after)):
            for backend in ("sqlite", "postgresql"):
                cells[cell_id(series, backend)] = copy.deepcopy(cells[cell_id(series, backend)])
                cells[cell_id(series, backend)]["verdict"] = verdict
    return merged


def test_comparing_5_1_with_5_2_from_the_controls_lists_regressions_first(
    open_page: OpenPage,
) -> None:
    opened = open_page(_five_one_to_five_two())
    opened.page.select_option("#compare-from", "5.1")
    opened.page.select_option("#compare-to", "5.2")
    kinds = opened.page.eval_on_selector_all(
        "#compare-answer h3", "hs => hs.map(h => h.dataset.kind)"
    )
    assert kinds[:2] == ["regression", "new-api"]


# --- axe-core -------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280px", "390px"])
def test_axe_finds_no_violations(open_page: OpenPage, axe_source: str, viewport: dict) -> None:
    opened = open_page(crafted(changes=True), viewport=viewport)
    assert _violations(opened, axe_source) == []


OPEN_CELL = f"queryset.aget--{cell_id('5.2', 'sqlite')}"


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280px", "390px"])
def test_axe_finds_no_violations_with_evidence_and_answers_open(
    open_page: OpenPage, axe_source: str, viewport: dict
) -> None:
    opened = open_page(
        crafted(),
        fragment=f"?django=5.2&db=sqlite&compare=4.1..5.2#{OPEN_CELL}",
        viewport=viewport,
    )
    opened.panel_text()
    assert _violations(opened, axe_source) == []


# --- the full run ---------------------------------------------------------------------------

needs_full_run = pytest.mark.skipif(
    not FULL_RUN.exists(),
    reason="reports/results.json does not exist: run the matrix (`nox`) to check the real page",
)


# The views a reader reaches, by their URLs: the page as it opens, and the page with "My setup",
# a release compare and a cell's evidence open at once (the newest release's first cell of m2m
# aadd). axe spends seconds per run on the full run's 40,000 nodes, so the three answers share
# one run; the crafted page checks each combination too.
VIEWS = {
    "initial": "",
    "answers": "?django=5.2&db=postgresql&compare=5.1..5.2#related.m2m.aadd--{cell}",
}


@needs_full_run
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_every_view_of_the_full_run_page_passes_axe(
    open_page: OpenPage, axe_source: str, viewport: dict, view: str
) -> None:
    merged = full_run()
    fragment = VIEWS[view].format(cell=matrix_columns(merged)[0]["cells"][0]["id"])
    opened = open_page(merged, fragment=fragment, viewport=viewport)
    if view == "answers":
        opened.panel_text()
    violations = _violations(opened, axe_source)
    _screenshot(opened, view, viewport)
    assert violations == []


def _screenshot(opened: Opened, view: str, viewport: dict) -> None:
    """Pictures of the view for CI's artifacts (reports/screenshots/): the matrix as the page
    opens; the evidence panel, then "My setup" at the top, with the answers open."""
    width = viewport["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if view == "initial":
        opened.page.locator("#matrix-section").scroll_into_view_if_needed()
        opened.page.wait_for_timeout(300)  # the rows near the screen render a frame later
        opened.page.screenshot(path=str(SCREENSHOTS / f"matrix-report-{width}.png"))
        return
    opened.page.wait_for_timeout(300)
    opened.page.screenshot(path=str(SCREENSHOTS / f"evidence-report-{width}.png"))
    opened.page.keyboard.press("Escape")
    opened.page.evaluate("scrollTo(0, 0)")
    opened.page.screenshot(path=str(SCREENSHOTS / f"setup-report-{width}.png"))


@needs_full_run
@pytest.mark.parametrize(
    ("query", "feature"),
    [
        ("tags.aadd", "related.m2m.aadd"),
        ("transaction.atomic", "pattern.atomic-block"),
        ("async with", "pattern.atomic-block"),
        ("select_related(", "pattern.select-related-aget"),
        ("Model.asave", "model.asave"),
    ],
)
def test_the_full_run_search_finds_code(open_page: OpenPage, query: str, feature: str) -> None:
    opened = open_page(full_run())
    opened.page.fill("#q", query)
    assert f"feature-{feature}" in opened.visible_rows()


@needs_full_run
def test_the_full_run_search_for_model_asave_leaves_out_the_session_store(
    open_page: OpenPage,
) -> None:
    opened = open_page(full_run())
    opened.page.fill("#q", "Model.asave")
    assert "feature-sessions.db-store.asave" not in opened.visible_rows()


def test_the_back_button_closes_the_evidence_a_click_opened(open_page: OpenPage) -> None:
    opened = open_page()
    opened.page.click(f'#matrix a[href="#queryset.acount--{cell_id("5.2", "sqlite")}"]')
    opened.page.wait_for_selector("#evidence", state="visible")
    opened.page.go_back()
    opened.page.wait_for_function("document.getElementById('evidence').hidden", timeout=2000)
    assert opened.page.evaluate("location.hash") == ""


def test_a_cell_s_evidence_shows_only_once_its_checks_are_drawn(open_page: OpenPage) -> None:
    # The evidence is inflated before the panel shows: never an empty or half-drawn panel, and
    # never the previous cell's evidence marked as this one's.
    opened = open_page()
    opened.page.evaluate(
        """() => {
          const panel = document.getElementById('evidence');
          window.__early = [];
          new MutationObserver(() => {
            if (!panel.hidden && panel.hasAttribute('data-complete')
                && !panel.querySelector('.check')) window.__early.push(panel.innerText);
          }).observe(panel, { attributes: true, childList: true, subtree: true });
        }"""
    )
    for feature in ("acount", "aget"):
        opened.page.click(f'#matrix a[href="#queryset.{feature}--{cell_id("5.2", "sqlite")}"]')
        opened.page.wait_for_selector("#evidence[data-complete]", state="visible")
        title = opened.page.text_content("#evidence-title")
        assert title == f"QuerySet.{feature}() — Django 5.2, SQLite"
        assert opened.page.locator("#evidence .check").count() > 0
    assert opened.page.evaluate("window.__early") == []


def test_a_session_that_never_ran_is_named_above_the_matrix(open_page: OpenPage) -> None:
    opened = open_page()
    assert "Django 4.1 on PostgreSQL" in opened.page.inner_text("#not-run")


def test_a_link_to_a_cell_that_never_ran_says_so(open_page: OpenPage) -> None:
    opened = open_page(fragment=f"#queryset.aget--{cell_id('4.1', 'postgresql')}")
    assert "did not run" in opened.page.inner_text("#notice")


def test_a_page_whose_data_cannot_be_read_says_so(browser: Any, tmp_path: Path) -> None:
    path = write_page(tmp_path, crafted())
    html = path.read_text("utf-8")
    path.write_text(re.sub(r'(id="report-data"[^>]*>)[^<]*', r"\1AAAA", html), "utf-8")
    context = browser.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        notice = page.wait_for_selector("#notice", state="visible", timeout=5000)
        assert "This page's data could not be read" in notice.text_content()
        assert "render it again with python -m conformance.report" in notice.text_content()
    finally:
        context.close()


# Holds back every inflated JSON by half a second: the page's data arrives after a reader's click.
SLOW_DATA = """
const json = Response.prototype.json;
Response.prototype.json = function () {
  return new Promise((resolve) => setTimeout(resolve, 500)).then(() => json.call(this));
};
"""


def test_a_cell_clicked_before_the_data_is_in_opens_once_it_is(
    browser: Any, tmp_path: Path
) -> None:
    path = write_page(tmp_path, crafted())
    key = f"queryset.aget--{cell_id('5.2', 'sqlite')}"  # in the first area: markup, not deferred
    context = browser.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        page.add_init_script(SLOW_DATA)
        page.goto(path.as_uri(), wait_until="domcontentloaded")
        page.click(f'#matrix a[href="#{key}"]')
        assert not page.evaluate("document.documentElement.hasAttribute('data-ready')")
        page.wait_for_selector("#evidence[data-complete]", state="visible", timeout=5000)
        assert page.text_content("#evidence-title") == "QuerySet.aget() — Django 5.2, SQLite"
        assert page.evaluate("location.hash") == f"#{key}"
    finally:
        context.close()


def test_a_cell_whose_evidence_cannot_be_read_says_so(browser: Any, tmp_path: Path) -> None:
    path = write_page(tmp_path, crafted())
    html = path.read_text("utf-8")
    path.write_text(re.sub(r'(id="evidence-0"[^>]*>)[^<]*', r"\1AAAA", html), "utf-8")
    key = f"queryset.aget--{cell_id('5.2', 'sqlite')}"
    context = browser.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_selector("html[data-ready]", state="attached")
        page.click(f'#matrix a[href="#{key}"]')
        notice = page.wait_for_selector("#notice", state="visible", timeout=5000)
        assert f"The evidence of “{key}” could not be read" in notice.text_content()
        assert page.is_hidden("#evidence")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_the_matrix_scrolls_sideways_no_further_than_its_last_column(
    open_page: OpenPage, viewport: dict
) -> None:
    opened = open_page(large(60), viewport=viewport)
    overflow = opened.page.evaluate(
        """() => {
            const wrap = document.querySelector(".wrap");
            const last = document.querySelector("#matrix .head [role=row]").lastElementChild;
            const end = last.getBoundingClientRect().right - wrap.getBoundingClientRect().left;
            return wrap.scrollWidth - Math.max(wrap.clientWidth, Math.ceil(end + wrap.scrollLeft));
        }"""
    )
    assert overflow <= 1


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_every_feature_name_is_shown_in_full(open_page: OpenPage, viewport: dict) -> None:
    opened = open_page(crafted(), viewport=viewport)
    cut = opened.page.eval_on_selector_all(
        "#matrix [role=rowheader]",
        "cells => cells.filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent)",
    )
    assert cut == []


def test_a_focused_cell_is_scrolled_clear_of_the_sticky_feature_column(
    open_page: OpenPage,
) -> None:
    opened = open_page(large(60), viewport=PHONE)
    last = opened.page.locator("#matrix [id='feature-generated.f0030'] [role=gridcell] a").last
    last.focus()
    first = opened.page.locator("#matrix [id='feature-generated.f0030'] [role=gridcell] a").first
    first.focus()
    sticky = _box(opened, "#matrix [id='feature-generated.f0030'] [role=rowheader]")
    cell = first.evaluate("a => a.getBoundingClientRect().toJSON()")
    assert cell["left"] >= sticky["right"] - 1


def test_arrow_keys_keep_the_focused_cell_clear_of_the_sticky_column_and_on_screen(
    open_page: OpenPage,
) -> None:
    # At 390 px the row is wider than the screen: each move scrolls the cell into view, clear
    # of the sticky feature column on the left and of the screen's right edge.
    opened = open_page(large(60), viewport=PHONE)
    row = "#matrix [id='feature-generated.f0030']"
    opened.page.locator(f"{row} [role=gridcell] a").first.focus()
    cells = opened.page.locator(f"{row} [role=gridcell] a").count()
    placed = []
    for key in ["ArrowRight"] * (cells - 1) + ["ArrowLeft"] * (cells - 1):
        opened.page.keyboard.press(key)
        placed.append(
            opened.page.evaluate(
                """(row) => {
                    const cell = document.activeElement.getBoundingClientRect();
                    const sticky = document.querySelector(row + " [role=rowheader]")
                        .getBoundingClientRect();
                    return [document.activeElement.getAttribute("href"),
                        cell.left >= sticky.right - 1, cell.right <= innerWidth + 1,
                        cell.top >= 0 && cell.bottom <= innerHeight];
                }""",
                row,
            )
        )
    assert [place for place in placed if place[1:] != [True, True, True]] == []


# --- the tasks on the real run's page, at both widths ------------------------------


@needs_full_run
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_the_full_run_compare_of_5_1_and_5_2_lists_each_change_once_with_its_reason(
    open_page: OpenPage, viewport: dict
) -> None:
    merged = full_run()
    opened = open_page(merged, fragment="?compare=5.1..5.2", viewport=viewport)
    # every reason read from the evidence, for the kinds that give one
    opened.page.wait_for_function(
        "![...document.querySelectorAll('#compare-answer .reason')]"
        ".some(r => r.textContent.includes('reading the evidence'))"
    )
    items = opened.page.eval_on_selector_all(
        "#compare-answer li",
        "items => items.map(li => [li.querySelector('a').textContent, li.innerText,"
        " li.closest('ul').previousElementSibling.dataset.kind])",
    )
    titles = {f["id"]: f["title"] for f in merged["features"]}
    changed = {
        f["id"]
        for f in merged["features"]
        for cell in merged["cells"]
        if cell["django_series"] == "5.1"
        and (after := f["cells"].get(cell["id"].replace("5.1", "5.2")))
        and (before := f["cells"].get(cell["id"]))
        and before["verdict"] != after["verdict"]
    }
    # one line per feature and change, where every backend changed the same way
    lines = [(title, text.split(": ", 1)[0]) for title, text, _ in items]
    assert len(lines) == len(set(lines))
    assert {title for title, _, _ in items} == {titles[feature] for feature in changed}
    reasons = [text for _, text, kind in items if kind in ("regression", "new-divergence")]
    assert all("\nWhy: " in text and "no reason recorded" not in text for text in reasons)


@needs_full_run
@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_a_full_run_divergence_with_equal_values_shows_what_differs(
    open_page: OpenPage, viewport: dict
) -> None:
    merged = full_run()
    found = next(
        d
        for d in merged["divergences"]
        if (d.get("observed") or {}).get("repr") is not None
        and d["observed"]["repr"] == (d.get("sync_twin") or {}).get("repr")
    )
    opened = open_page(merged, fragment=f"#divergence-{found['feature']}", viewport=viewport)
    row = opened.page.locator(f'[id="divergence-{found["feature"]}"]')
    differs = row.locator("td[data-label='What differs']").inner_text()
    assert found["differs"], found
    assert [d["what"] in differs for d in found["differs"]] == [True] * len(found["differs"])
    assert "result:" not in differs  # equal values: what differs is something else
