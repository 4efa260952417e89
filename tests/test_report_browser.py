"""The report page in a real browser: headless Chromium through Playwright.

Crafted reports (tests/report_data.py) drive most tests, so they need no matrix run; the last
test renders the full run's reports/results.json when it exists and saves the screenshots.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conformance.provision.names import on_ci
from conformance.report.merge import merge
from tests.report_data import (
    FULL_RUN,
    HOSTILE_CELL,
    HOSTILE_FEATURE,
    INCOMPLETE_CELL,
    LONG_CELL,
    LONG_FEATURE,
    cell_id,
    crafted,
    full_run,
    large,
    write_page,
    write_production_sessions,
)
from tests.session_data import ADD_ON_FEATURE, write_add_on_matrix

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "reports" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass
class Opened:
    """A page and everything it reported: console errors, uncaught errors, dialogs, requests."""

    page: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def visible_rows(self) -> list[str]:
        """Ids of the feature rows the filters leave visible."""
        return self.page.eval_on_selector_all(
            "#matrix [role=row][id]", "rows => rows.filter(r => !r.hidden).map(r => r.id)"
        )

    def panel_text(self) -> str:
        """The evidence panel's text, once it shows its checks (they are inflated on demand)."""
        self.page.wait_for_selector("#evidence[data-complete]", state="visible", timeout=5000)
        return self.page.inner_text("#evidence")

    def evidence_open(self) -> bool:
        """Whether the evidence panel opens within a second."""
        try:
            self.page.wait_for_selector("#evidence", state="visible", timeout=1000)
        except sync_api.TimeoutError:
            return False
        return True


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if on_ci(os.environ):
            pytest.fail(f"{CHROMIUM} is missing. Fix: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing: install the Debian package chromium")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser: Any, tmp_path: Path) -> Iterator[Callable[..., Opened]]:
    """Open a rendered report from disk, recording what a user would never want to see."""
    contexts = []

    def opener(
        merged: dict[str, Any] | None = None, fragment: str = "", viewport: dict = DESKTOP
    ) -> Opened:
        path = write_page(tmp_path, merged or crafted(), name=f"page{len(contexts)}.html")
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page)
        page.on("console", lambda m: m.type == "error" and opened.errors.append(m.text))
        page.on("pageerror", lambda exc: opened.errors.append(str(exc)))
        page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))

        def refuse(route: Any) -> None:
            if not route.request.url.startswith("file:"):
                opened.requests.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", refuse)
        page.goto(path.as_uri() + fragment)
        # The page marks itself ready once its evidence is inflated (a few milliseconds).
        page.wait_for_selector("html[data-ready]", state="attached")
        return opened

    yield opener
    for context in contexts:
        context.close()


def _screenshot(opened: Opened, name: str, **options: Any) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    opened.page.screenshot(path=str(target), **options)
    return target


# --- loading ------------------------------------------------------------------------------


def test_the_page_loads_without_console_errors(open_page: Callable[..., Opened]) -> None:
    opened = open_page()
    assert opened.errors == []


def test_the_page_requests_nothing_from_the_network(open_page: Callable[..., Opened]) -> None:
    opened = open_page(fragment=f"#{HOSTILE_FEATURE}--{HOSTILE_CELL}")
    assert opened.requests == []


def test_the_page_shows_every_feature_at_first(open_page: Callable[..., Opened]) -> None:
    assert len(open_page().visible_rows()) == len(crafted()["features"])


# --- filters ------------------------------------------------------------------------------


def test_the_search_box_keeps_only_matching_features(open_page: Callable[..., Opened]) -> None:
    opened = open_page()
    opened.page.fill("#q", "ACOUNT")
    assert opened.visible_rows() == ["feature-queryset.acount"]


def test_the_area_filter_keeps_only_that_area(open_page: Callable[..., Opened]) -> None:
    opened = open_page()
    opened.page.select_option("#area", "bulk")
    assert opened.visible_rows() == ["feature-queryset.abulk_create"]


def test_the_area_filter_hides_the_headings_of_empty_areas(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page()
    opened.page.select_option("#area", "bulk")
    headings = opened.page.eval_on_selector_all(
        "#matrix .area", "rows => rows.filter(r => !r.hidden).map(r => r.dataset.area)"
    )
    assert headings == ["bulk"]


def test_the_verdict_filter_keeps_features_with_that_verdict(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page()
    opened.page.select_option("#verdict", "diverges")
    assert opened.visible_rows() == ["feature-queryset.abulk_create"]


def test_the_backend_filter_hides_the_other_backends_columns(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page()
    opened.page.select_option("#backend", "postgresql")
    shown = opened.page.eval_on_selector_all(
        "#matrix [class^=v-].s",
        "cells => cells.filter(c => getComputedStyle(c).display !== 'none').map(c => c.className)",
    )
    assert (len(shown) > 0, [c for c in shown if "b-postgresql" not in c]) == (True, [])


def test_verdict_and_backend_filters_combine(open_page: Callable[..., Opened]) -> None:
    opened = open_page()
    opened.page.select_option("#verdict", "unsupported")
    opened.page.select_option("#backend", "postgresql")
    assert opened.visible_rows() == []


def test_the_filters_say_how_many_features_they_show(open_page: Callable[..., Opened]) -> None:
    opened = open_page()
    opened.page.fill("#q", "queryset.ab")
    assert opened.page.inner_text("#shown") == "Showing 1 of 5 features"


# --- evidence -----------------------------------------------------------------------------


def test_clicking_a_cell_opens_its_evidence(open_page: Callable[..., Opened]) -> None:
    opened = open_page()
    opened.page.click(f'#matrix a[href="#queryset.aget--{cell_id("5.2", "sqlite")}"]')
    assert "QuerySet.aget() — Django 5.2, SQLite" in opened.panel_text()


def test_the_evidence_shows_snippet_values_examples_and_versions(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page(fragment=f"#queryset.aget--{cell_id('5.2', 'postgresql')}")
    text = opened.panel_text()
    expected = [
        "return await run('queryset.aget')",
        "sync twin",
        "{'slug': 'article-1'}",
        "examples tried\n7",
        "5.2.3",
        "psycopg 3.2.3",
        "PostgreSQL 16.4",
        "3.12.7",
    ]
    assert [part for part in expected if part not in text] == []


def test_the_wrapped_form_is_shown_for_a_feature_that_needs_sync_to_async(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page(fragment=f"#pattern.lazy-forward-fk--{cell_id('5.2', 'sqlite')}")
    assert "wrapped" in opened.panel_text()


def test_a_cell_permalink_opens_its_evidence_on_load(open_page: Callable[..., Opened]) -> None:
    opened = open_page(fragment=f"#queryset.acount--{cell_id('4.1', 'sqlite')}")
    assert opened.evidence_open()


def test_an_unknown_cell_fragment_opens_nothing(open_page: Callable[..., Opened]) -> None:
    opened = open_page(fragment="#queryset.nothing--django-9.9-sqlite")
    assert (opened.evidence_open(), opened.errors) == (False, [])


def test_a_cell_of_an_incomplete_session_says_it_is_not_a_measurement(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page(fragment=f"#queryset.aget--{INCOMPLETE_CELL}")
    assert "This session is incomplete" in opened.panel_text()


def test_cells_of_incomplete_sessions_look_different_from_absent(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page()
    backgrounds = opened.page.evaluate(
        """keys => keys.map(k => {
            const style = getComputedStyle(document.querySelector(`a[href="#${k}"]`).parentElement);
            return [style.backgroundColor, style.boxShadow, style.borderStyle];
        })""",
        [f"queryset.acount--{INCOMPLETE_CELL}", f"queryset.acount--{cell_id('4.1', 'sqlite')}"],
    )
    assert backgrounds[0] != backgrounds[1]


# --- keyboard -----------------------------------------------------------------------------


def test_enter_on_a_focused_cell_opens_its_evidence(open_page: Callable[..., Opened]) -> None:
    opened = open_page()
    opened.page.focus(f'a[href="#queryset.acount--{cell_id("5.2", "sqlite")}"]')
    opened.page.keyboard.press("Enter")
    assert "QuerySet.acount() — Django 5.2, SQLite" in opened.panel_text()


def test_escape_closes_the_evidence_and_returns_focus_to_the_cell(
    open_page: Callable[..., Opened],
) -> None:
    key = f"queryset.acount--{cell_id('5.2', 'sqlite')}"
    opened = open_page()
    opened.page.focus(f'a[href="#{key}"]')
    opened.page.keyboard.press("Enter")
    opened.page.wait_for_selector("#evidence", state="visible")
    opened.page.keyboard.press("Escape")
    focused = opened.page.evaluate("document.activeElement.getAttribute('href')")
    assert (opened.page.is_visible("#evidence"), focused) == (False, f"#{key}")


def test_a_closed_cell_opens_again_when_selected(open_page: Callable[..., Opened]) -> None:
    selector = f'a[href="#queryset.acount--{cell_id("5.2", "sqlite")}"]'
    opened = open_page()
    opened.page.click(selector)
    opened.page.wait_for_selector("#evidence", state="visible")
    opened.page.keyboard.press("Escape")
    opened.page.wait_for_selector("#evidence", state="hidden")
    opened.page.click(selector)
    assert opened.evidence_open()


def test_arrow_keys_move_between_cells(open_page: Callable[..., Opened]) -> None:
    opened = open_page()
    opened.page.focus(f'a[href="#queryset.aget--{cell_id("5.0", "sqlite")}"]')
    opened.page.keyboard.press("ArrowRight")
    opened.page.keyboard.press("ArrowDown")
    focused = opened.page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == f"#queryset.acount--{cell_id('5.0', 'postgresql')}"


# --- hostile text -------------------------------------------------------------------------


def test_a_hostile_exception_message_is_shown_as_text(open_page: Callable[..., Opened]) -> None:
    opened = open_page(fragment=f"#{HOSTILE_FEATURE}--{HOSTILE_CELL}")
    assert "<script>alert(1)</script><img src=x" in opened.panel_text()


def test_a_hostile_exception_message_does_not_execute(open_page: Callable[..., Opened]) -> None:
    opened = open_page(fragment=f"#{HOSTILE_FEATURE}--{HOSTILE_CELL}")
    opened.page.wait_for_timeout(100)
    pwned = opened.page.evaluate("window.__pwned")
    assert (
        opened.dialogs,
        pwned,
        opened.page.locator("#evidence img, #evidence script").count(),
    ) == (
        [],
        None,
        0,
    )


def test_control_characters_are_shown_as_escapes(open_page: Callable[..., Opened]) -> None:
    opened = open_page(fragment=f"#{HOSTILE_FEATURE}--{HOSTILE_CELL}")
    assert "\\u2028 \\x00\\x07\\x1b[31m" in opened.panel_text()


def test_a_megabyte_line_is_cut_until_asked_for(open_page: Callable[..., Opened]) -> None:
    opened = open_page(fragment=f"#{LONG_FEATURE}--{LONG_CELL}")
    before = len(opened.panel_text())
    opened.page.click("#evidence button.more >> nth=0")
    assert (before < 100_000, len(opened.panel_text()) > 1_000_000) == (True, True)


# --- changes ------------------------------------------------------------------------------


def test_a_changed_cell_is_marked_with_a_delta(open_page: Callable[..., Opened]) -> None:
    opened = open_page(crafted(changes=True))
    key = f"queryset.acount--{cell_id('5.2', 'sqlite')}"
    assert "Δ" in opened.page.text_content(f'#matrix a[href="#{key}"]')


def test_the_changed_filter_keeps_only_features_with_changed_cells(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page(crafted(changes=True))
    opened.page.check("#changed-only")
    assert opened.visible_rows() == ["feature-queryset.acount"]


def test_the_changed_filter_combines_with_the_backend_filter(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page(crafted(changes=True))
    opened.page.check("#changed-only")
    opened.page.select_option("#backend", "postgresql")
    assert opened.visible_rows() == []


def test_without_a_baseline_there_is_no_changed_filter(open_page: Callable[..., Opened]) -> None:
    assert open_page().page.locator("#changed-only").count() == 0


# --- phone and size -----------------------------------------------------------------------


def test_the_page_fits_a_phone_screen(open_page: Callable[..., Opened]) -> None:
    opened = open_page(viewport=PHONE)
    _screenshot(opened, "crafted-phone.png")
    assert opened.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_evidence_fits_a_phone_screen(open_page: Callable[..., Opened]) -> None:
    opened = open_page(fragment=f"#{HOSTILE_FEATURE}--{HOSTILE_CELL}", viewport=PHONE)
    _screenshot(opened, "crafted-phone-evidence.png")
    width = opened.page.evaluate(
        "document.getElementById('evidence').getBoundingClientRect().width"
    )
    assert width <= PHONE["width"]


def test_the_crafted_page_at_desktop_width(open_page: Callable[..., Opened]) -> None:
    opened = open_page(crafted(changes=True), fragment=f"#{HOSTILE_FEATURE}--{HOSTILE_CELL}")
    _screenshot(opened, "crafted-desktop-evidence.png")
    assert opened.errors == []


def test_filtering_thousands_of_cells_takes_less_than_a_frame_budget(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page(large(400))
    elapsed = opened.page.evaluate(
        """() => {
            const q = document.getElementById("q");
            const start = performance.now();
            for (const text of ["f01", "f012", "generated", ""]) {
                q.value = text;
                q.dispatchEvent(new Event("input", {bubbles: true}));
            }
            document.body.offsetHeight;  // force the layout the filters caused
            return (performance.now() - start) / 4;
        }"""
    )
    assert elapsed < 100


def test_opening_evidence_among_thousands_of_cells_is_quick(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page(large(400))
    elapsed = opened.page.evaluate(
        """() => {
            const start = performance.now();
            location.hash = "#generated.f0399--django-6.1-postgresql";
            window.dispatchEvent(new HashChangeEvent("hashchange"));
            document.body.offsetHeight;
            return performance.now() - start;
        }"""
    )
    assert (elapsed < 200, opened.evidence_open()) == (True, True)


# --- the full run -------------------------------------------------------------------------


@pytest.mark.skipif(
    not FULL_RUN.exists(),
    reason="reports/results.json does not exist: run the matrix (`nox`) to check the real page",
)
def test_the_full_run_page_renders_cleanly_and_is_screenshotted(
    open_page: Callable[..., Opened],
) -> None:
    merged = full_run()
    desktop = open_page(merged)
    _screenshot(desktop, "matrix-desktop.png")
    refuted = desktop.page.locator("#claims article.refuted").first
    if refuted.count():
        refuted.scroll_into_view_if_needed()
        refuted.screenshot(path=str(SCREENSHOTS / "refuted-claim.png"))
    first = merged["features"][0]["id"]
    desktop.page.click(f'a[href="#{first}--{merged["cells"][0]["id"]}"]')
    desktop.page.wait_for_selector("#evidence", state="visible")
    _screenshot(desktop, "evidence-desktop.png")
    phone = open_page(merged, viewport=PHONE)
    _screenshot(phone, "matrix-phone.png")
    rows = len(desktop.visible_rows())
    assert (desktop.errors, phone.errors, rows, desktop.evidence_open()) == (
        [],
        [],
        len(merged["features"]),
        True,
    )


def test_a_confirmed_claim_permalink_unfolds_the_confirmed_claims(
    open_page: Callable[..., Opened],
) -> None:
    opened = open_page(fragment="#claim-available-4.1.aget")
    assert opened.page.is_visible('[id="claim-available-4.1.aget"]')


def test_a_permalink_into_a_section_inserted_after_load_lands_on_it(
    open_page: Callable[..., Opened],
) -> None:
    # The claims come compressed and go in after load: the page scrolls once they are in.
    opened = open_page(fragment="#claim-available-4.1.aget")
    top = opened.page.evaluate(
        "document.getElementById('claim-available-4.1.aget').getBoundingClientRect().top"
    )
    assert -1 <= top < opened.page.viewport_size["height"]  # at the top, to a sub-pixel


# --- stock and add-on columns -------------------------------------------------------------


@pytest.fixture
def add_on_report(tmp_path: Path) -> dict[str, Any]:
    """A merged 6.1 run: stock SQLite and PostgreSQL that agree, and an add-on column."""
    write_add_on_matrix(tmp_path / "sessions")
    return merge(tmp_path / "sessions")


def _cell_texts(opened: Opened, feature_id: str) -> list[str]:
    """The words of a feature's row, one per shown column (the feature and since first)."""
    return opened.page.eval_on_selector_all(
        f'[id="feature-{feature_id}"] > *',
        "cells => cells.filter(c => getComputedStyle(c).display !== 'none')"
        ".map(c => c.textContent.trim())",
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_stock_column_shows_no_add_on_feature_as_native(
    open_page: Callable[..., Opened], add_on_report: dict[str, Any], viewport: dict
) -> None:
    opened = open_page(add_on_report, viewport=viewport)
    opened.page.select_option("#backend", "postgresql")
    assert _cell_texts(opened, ADD_ON_FEATURE)[2:] == ["+ add-on"]


def test_the_add_on_has_its_own_column_named_by_its_package(
    open_page: Callable[..., Opened], add_on_report: dict[str, Any]
) -> None:
    opened = open_page(add_on_report)
    headers = opened.page.eval_on_selector_all(
        "#matrix .head [role=columnheader]", "cells => cells.map(c => c.innerText)"
    )
    assert [" ".join(h.split()) for h in headers[2:]] == [
        "6.1 both",
        "6.1 + django-async-backend 6.1.0",
    ]


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["1280", "390"])
def test_the_add_on_columns_header_is_shown_in_full(
    open_page: Callable[..., Opened], add_on_report: dict[str, Any], viewport: dict
) -> None:
    # "+ django-async-backend 6.1.0" wraps under the release instead of being cut off.
    opened = open_page(add_on_report, viewport=viewport)
    header = opened.page.locator("#matrix .head [role=columnheader]").last
    cut = header.evaluate(
        "h => [h, h.querySelector('small')].filter(e => e.scrollWidth > e.clientWidth)"
        ".map(e => e.textContent)"
    )
    small = header.locator("small")
    box = small.bounding_box()
    assert (small.inner_text(), cut) == ("+ django-async-backend 6.1.0", [])
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= viewport["width"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize(("backend", "label"), [("postgresql", "PostgreSQL"), ("sqlite", "SQLite")])
def test_the_backend_filter_opens_that_backends_evidence_in_a_merged_cell(
    open_page: Callable[..., Opened],
    add_on_report: dict[str, Any],
    viewport: dict,
    backend: str,
    label: str,
) -> None:
    opened = open_page(add_on_report, viewport=viewport)
    opened.page.select_option("#backend", backend)
    opened.page.click('[id="feature-queryset.aget"] a[href$="--django-6.1-sqlite"]')
    assert f"Django 6.1, {label}" in opened.panel_text()


# --- async in production ------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_each_production_cell_is_folded_behind_a_line_of_its_verdicts(
    open_page: Callable[..., Opened], tmp_path: Path, viewport: dict
) -> None:
    write_production_sessions(tmp_path / "sessions")
    opened = open_page(merge(tmp_path / "sessions"), viewport=viewport)
    cells = opened.page.locator("#production details.production-cell")
    summaries = cells.locator("summary").all_inner_texts()
    assert summaries[0] == (
        "Django 5.2, SQLite: ✓ 2 native · ⇄ 1 needs sync_to_async · ≠ 1 diverges"
    )
    assert (len(summaries), cells.evaluate_all("cs => cs.filter(c => c.open).length")) == (4, 0)
    assert not opened.page.locator("#production table").first.is_visible()
    assert opened.page.locator('nav a[href="#production"]').count() == 1


def test_a_permalink_to_a_production_cell_opens_it(
    open_page: Callable[..., Opened], tmp_path: Path
) -> None:
    write_production_sessions(tmp_path / "sessions")
    cell = "production-django-6.0-postgresql"
    opened = open_page(merge(tmp_path / "sessions"), fragment=f"#{cell}")
    found = opened.page.locator(f'[id="{cell}"]')
    assert found.evaluate("details => details.open")
    assert found.locator("table").first.is_visible()
    # the chart's title too, a permalink into a folded cell
    opened.page.evaluate("location.hash = '#chart-django-5.2-sqlite'")
    opened.page.wait_for_function(
        "document.getElementById('production-django-5.2-sqlite').open", timeout=2000
    )
