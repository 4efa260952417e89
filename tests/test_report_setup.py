""" "My setup" and the release compare in a real browser, as a user drives them: a link with the
choices in its query, or the controls, which then write the choices into the URL.

Uses the browser and page fixtures of tests/test_report_browser.py and its crafted reports.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.report.merge import merge
from conformance.results import write_results
from tests import test_report_browser as browser_page
from tests.conftest import ROOT, run_suite_in
from tests.report_data import (
    ALTERNATIVE_API,
    DIVERGENCE_REASON,
    FULL_RUN,
    HOSTILE_FEATURE,
    cell_id,
    crafted,
    full_run,
    large,
)
from tests.session_data import ADD_ON_COLUMN, ADD_ON_FEATURE, session, write_add_on_matrix

# The browser page's fixtures, under their own names so pytest finds them here too (importing
# that module skips this one as well when Playwright is missing).
browser = browser_page.browser
open_page = browser_page.open_page
Opened = browser_page.Opened
PHONE = browser_page.PHONE
OpenPage = Callable[..., Opened]


def _headings(opened: Opened, section: str) -> list[str]:
    """The group headings an answer shows, in order."""
    return opened.page.eval_on_selector_all(f"#{section} h3", "hs => hs.map(h => h.textContent)")


def _with_regression() -> dict[str, Any]:
    """The crafted report where QuerySet.aget() stops being native on SQLite in 5.2."""
    merged = crafted()
    aget = next(feature for feature in merged["features"] if feature["id"] == "queryset.aget")
    aget["cells"][cell_id("5.2", "sqlite")]["verdict"] = "needs-sync-to-async"
    aget["cells"][cell_id("5.2", "sqlite")]["notes"] = [REGRESSION_REASON]
    return merged


REGRESSION_REASON = "direct form raised SynchronousOnlyOperation"


# --- my setup -----------------------------------------------------------------------------


def test_a_setup_in_the_url_shows_that_cells_counts(open_page: OpenPage) -> None:
    opened = open_page(fragment="?django=5.2&db=postgresql")
    assert _headings(opened, "setup-answer") == [
        "✓ Native, await it directly: 3",
        "⇄ Needs sync_to_async: 1",
        "— Absent: 0",
        "≠ Diverges from its sync twin: 1",
        "✗ Unsupported (neither the direct nor the wrapped form works): 0",
    ]


def test_a_setup_in_the_url_selects_it_in_the_controls(open_page: OpenPage) -> None:
    opened = open_page(fragment="?django=5.2&db=postgresql")
    chosen = [opened.page.input_value(f"#setup-{name}") for name in ("django", "db")]
    assert chosen == ["5.2", "postgresql"]


def test_the_native_features_are_folded_until_asked_for(open_page: OpenPage) -> None:
    opened = open_page(fragment="?django=5.2&db=postgresql")
    native = opened.page.locator("#setup-answer details").first
    before = native.locator("li").first.is_visible()
    native.locator("summary").click()
    assert (before, native.locator("li").count()) == (False, 3)


def test_a_pattern_needing_sync_to_async_shows_its_workaround_and_alternative(
    open_page: OpenPage,
) -> None:
    opened = open_page(fragment="?django=5.2&db=postgresql")
    text = opened.page.inner_text("#setup-answer")
    expected = [
        f"result = await sync_to_async(run)('{HOSTILE_FEATURE}')",
        f"Native alternative: {ALTERNATIVE_API}, native in your release (since 5.0).",
    ]
    assert [part for part in expected if part not in text] == []


def test_an_absent_feature_says_from_which_release_it_arrives(open_page: OpenPage) -> None:
    opened = open_page(fragment="?django=4.1&db=sqlite")
    assert "Not in your release: native from Django 5.2." in opened.page.inner_text("#setup-answer")


def test_a_diverging_feature_links_to_its_divergences_entry(open_page: OpenPage) -> None:
    opened = open_page(fragment="?django=5.2&db=postgresql")
    opened.page.click("#setup-answer a:has-text('in Divergences')")
    opened.page.wait_for_function("location.hash === '#divergence-queryset.abulk_create'")
    assert opened.page.is_visible('[id="divergence-queryset.abulk_create"]')


def test_a_feature_title_is_shown_as_text_not_markup(open_page: OpenPage) -> None:
    opened = open_page(fragment="?django=5.2&db=postgresql")
    text = opened.page.inner_text("#setup-answer")
    assert ("Lazy forward FK <b>access</b>" in text, opened.errors) == (True, [])
    assert opened.page.locator("#setup-answer b").count() == 0


def test_picking_a_setup_writes_it_into_the_url(open_page: OpenPage) -> None:
    opened = open_page()
    opened.page.select_option("#setup-django", "4.1")
    opened.page.select_option("#setup-db", "sqlite")
    assert (opened.page.url.endswith("?django=4.1&db=sqlite"), _headings(opened, "setup")[0]) == (
        True,
        "✓ Native, await it directly: 2",
    )


def test_a_setup_the_report_does_not_have_says_so(open_page: OpenPage) -> None:
    opened = open_page(fragment="?django=9.9&db=sqlite")
    text = opened.page.inner_text("#setup-answer")
    assert ("no results for Django 9.9 on SQLite" in text, opened.errors) == (True, [])


def test_a_session_that_did_not_complete_is_said_to_be_no_measurement(
    open_page: OpenPage,
) -> None:
    opened = open_page(fragment="?django=5.0&db=sqlite")
    assert "This session is incomplete" in opened.page.inner_text("#setup-answer")


def _item_links(opened: Opened) -> list[tuple[str, list[str]]]:
    """Each item of the answer: its feature id, and where its links other than its evidence go."""
    return opened.page.eval_on_selector_all(
        "#setup-answer li",
        "items => items.map(li => [li.querySelector('code').textContent,"
        " [...li.querySelectorAll('a[href^=http]')].map(a => a.href)])",
    )


@pytest.mark.parametrize("setup", ["5.2&db=postgresql", "4.1&db=sqlite"])
def test_every_setup_item_links_to_djangos_docs_of_that_release(
    open_page: OpenPage, setup: str
) -> None:
    opened = open_page(fragment=f"?django={setup}")
    series = setup.split("&")[0]
    root = f"https://docs.djangoproject.com/en/{series}/"
    items = _item_links(opened)
    assert items
    unlinked = [f for f, links in items if not any(a.startswith(root) for a in links)]
    assert unlinked == ["mystery.thing"]  # no Django API has its id: no page to link


def test_an_add_ons_own_api_links_to_the_add_ons_project_not_to_django(
    open_page: OpenPage, tmp_path: Path
) -> None:
    write_add_on_matrix(tmp_path / "sessions")
    opened = open_page(merge(tmp_path / "sessions"), fragment="?django=6.1&db=async-backend")
    links = dict(_item_links(opened))
    assert links[ADD_ON_FEATURE] == ["https://django-async-backend.readthedocs.io/"]
    item = opened.page.locator("#setup-answer li", has_text=ADD_ON_FEATURE)
    assert item.locator("a", has_text="django-async-backend docs").count() == 1
    assert links["queryset.aget"][0].startswith("https://docs.djangoproject.com/en/6.1/")


@pytest.mark.skipif(not FULL_RUN.exists(), reason="reports/results.json does not exist")
def test_every_full_run_setup_item_links_to_its_docs(open_page: OpenPage) -> None:
    opened = open_page(full_run(), fragment="?django=6.0&db=postgresql")
    items = _item_links(opened)
    root = "https://docs.djangoproject.com/en/6.0/"
    assert len(items) > 1000
    assert [f for f, links in items if not any(a.startswith(root) for a in links)] == []


def test_an_add_on_made_for_one_release_ships_in_that_release_or_earlier(
    open_page: OpenPage, tmp_path: Path
) -> None:
    # The add-on column has a 6.1 cell only: what it ships there it may have shipped before.
    verdicts = {"queryset.aget": "native", "queryset.aiterator": "diverges"}
    for cell in ("django-6.0-postgresql", "django-6.1-postgresql", "django-6.1-async-backend"):
        document = session(cell, verdicts)
        if "async-backend" in cell:
            document["cell"]["column"] = ADD_ON_COLUMN
        write_results(tmp_path / f"{cell}.json", document)
    opened = open_page(merge(tmp_path), fragment="?django=6.1&db=async-backend")
    item = opened.page.locator("#setup-answer li", has_text="queryset.aiterator").inner_text()
    assert "Ships diverging from its sync twin since Django 6.1 or earlier." in item
    # the stock backend was measured on 6.0 too: its 6.0 is where it was first seen
    opened.page.select_option("#setup-db", "postgresql")
    item = opened.page.locator("#setup-answer li", has_text="queryset.aiterator").inner_text()
    assert "Ships diverging from its sync twin since Django 6.0 or earlier." in item


@pytest.mark.skipif(not FULL_RUN.exists(), reason="reports/results.json does not exist")
def test_the_full_run_add_on_column_never_says_since_its_only_release(
    open_page: OpenPage,
) -> None:
    opened = open_page(full_run(), fragment="?django=6.1&db=async-backend")
    text = opened.page.inner_text("#setup-answer")
    assert "or earlier" in text
    assert re.findall(r"since (?:Django )?6\.1(?! or earlier).{0,20}", text) == []


# --- release compare ----------------------------------------------------------------------


def test_a_release_compare_lists_the_regression_first(open_page: OpenPage) -> None:
    opened = open_page(_with_regression(), fragment="?compare=4.1..5.2")
    kinds = opened.page.eval_on_selector_all(
        "#compare-answer h3", "hs => hs.map(h => h.dataset.kind)"
    )
    first = opened.page.locator("#compare-answer li >> nth=0")
    first.locator(".reason", has_text=REGRESSION_REASON).wait_for()
    assert (kinds, first.inner_text()) == (
        ["regression", "new-api", "fix", "other"],
        f"QuerySet.aget() on SQLite: ✓ native → ⇄ needs sync_to_async\nWhy: {REGRESSION_REASON}",
    )


def test_a_change_every_backend_shares_is_listed_once(open_page: OpenPage) -> None:
    merged = crafted()
    acount = next(feature for feature in merged["features"] if feature["id"] == "queryset.acount")
    acount["cells"][cell_id("4.1", "postgresql")]["verdict"] = "absent"
    opened = open_page(merged, fragment="?compare=4.1..5.2")
    lines = opened.page.eval_on_selector_all(
        "#compare-answer li", "items => items.map(li => li.innerText)"
    )
    acount = [line for line in lines if line.startswith("QuerySet.acount()")]
    assert acount == ["QuerySet.acount() on every backend: — absent → ✓ native"]


def test_an_api_that_arrives_diverging_has_its_own_group(open_page: OpenPage) -> None:
    merged = crafted()
    acount = next(feature for feature in merged["features"] if feature["id"] == "queryset.acount")
    for backend in ("sqlite", "postgresql"):
        acount["cells"][cell_id("5.2", backend)]["verdict"] = "diverges"
    opened = open_page(merged, fragment="?compare=4.1..5.2")
    group = opened.page.locator('#compare-answer h3[data-kind="arrives-diverging"]')
    assert group.inner_text() == "New APIs that arrive diverging (1)"


def test_an_api_that_arrives_diverging_names_the_exception_it_raised(open_page: OpenPage) -> None:
    merged = crafted()
    acount = next(feature for feature in merged["features"] if feature["id"] == "queryset.acount")
    for backend in ("sqlite", "postgresql"):
        found = acount["cells"][cell_id("5.2", backend)]
        found["verdict"] = found["checks"][0]["verdict"] = "diverges"
        found["notes"] = found["checks"][0]["notes"] = [DIVERGENCE_REASON]
        found["checks"][0]["evidence"] |= {
            "example": "AsyncPaginator(Article.objects, 2).acount()  # receiver: manager",
            "observed": {
                "kind": "exception",
                "repr": "TypeError(\"object of type 'Manager' has no len()\")",
                "type": "builtins.TypeError",
                "message": "object of type 'Manager' has no len()",
            },
            "sync_twin": {"kind": "value", "repr": "(4, None)", "type": None, "message": None},
        }
    opened = open_page(merged, fragment="?compare=4.1..5.2")
    item = opened.page.locator("#compare-answer ul", has=opened.page.locator("li")).filter(
        has_text="QuerySet.acount()"
    )
    reason = item.locator(".reason")
    reason.filter(has_text="raised").wait_for()
    assert reason.inner_text() == (
        "Why: AsyncPaginator(Article.objects, 2).acount() raised TypeError: object of type "
        "'Manager' has no len(); its sync twin returned (4, None)"
    )


@pytest.mark.parametrize(
    ("span", "said"),
    [
        ("5.2..4.1", "From (5.2) is later than To (4.1)"),
        ("5.2..5.2", "the same release"),
        # not a range at all: refused the same way, never silently ignored
        ("5.2", "“5.2” is not a range of releases: write it as from..to, such as 5.0..5.2"),
        ("5.2..", "“5.2..” is not a range of releases"),
        ("4.1..5.0..5.2", "“4.1..5.0..5.2” is not a range of releases"),
    ],
)
def test_a_reversed_or_empty_range_is_refused_visibly(
    open_page: OpenPage, span: str, said: str
) -> None:
    opened = open_page(fragment=f"?compare={span}")
    refusal = opened.page.get_by_role("alert").filter(has_text=said)
    assert (refusal.is_visible(), opened.page.locator("#compare-answer h3").count()) == (True, 0)


def test_a_release_compare_links_each_side_to_its_evidence(open_page: OpenPage) -> None:
    opened = open_page(_with_regression(), fragment="?compare=4.1..5.2")
    hrefs = opened.page.eval_on_selector_all(
        "#compare-answer li >> nth=0 >> a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert hrefs == [
        "#feature-queryset.aget",
        f"#queryset.aget--{cell_id('4.1', 'sqlite')}",
        f"#queryset.aget--{cell_id('5.2', 'sqlite')}",
    ]


def test_picking_two_releases_writes_the_compare_into_the_url(open_page: OpenPage) -> None:
    opened = open_page()
    opened.page.select_option("#compare-from", "4.1")
    opened.page.select_option("#compare-to", "5.2")
    assert (opened.page.url.endswith("?compare=4.1..5.2"), _headings(opened, "compare")[0]) == (
        True,
        "New APIs (1)",
    )


def test_a_compare_of_a_release_the_report_does_not_have_says_so(open_page: OpenPage) -> None:
    opened = open_page(fragment="?compare=4.1..9.9")
    assert "no results for Django 9.9" in opened.page.inner_text("#compare-answer")


# --- phone, permalinks --------------------------------------------------------------------


def test_setup_and_compare_fit_a_phone_screen(open_page: OpenPage) -> None:
    opened = open_page(
        _with_regression(), fragment="?django=5.2&db=postgresql&compare=4.1..5.2", viewport=PHONE
    )
    assert opened.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_feature_permalink_lands_below_the_matrix_header(open_page: OpenPage) -> None:
    opened = open_page(large(60), fragment="#feature-generated.f0040")
    gap = opened.page.evaluate(
        """() => document.getElementById("feature-generated.f0040").getBoundingClientRect().top
            - document.querySelector("#matrix .head").getBoundingClientRect().bottom"""
    )
    assert gap >= -1


def test_an_unknown_feature_permalink_says_so(open_page: OpenPage) -> None:
    opened = open_page(fragment="#feature-queryset.nothing")
    assert opened.page.inner_text("#notice") == "This report has no feature “queryset.nothing”."


# --- a pasteable workaround, end to end -----------------------------------------------------

PASTED_CHECK = """
import textwrap

import pytest

from conformance.runner import probe
from conformance.runner.suite.pattern_fixtures import WORKAROUND_NAMES, library

PASTED = {pasted!r}


@pytest.mark.conformance(feature={feature!r})
def test_the_pasted_workaround_runs_in_a_coroutine(conformance, articles):
    library(articles)
    namespace = dict(WORKAROUND_NAMES)
    source = "async def pasted():\\n" + textwrap.indent(PASTED, "    ")
    exec(compile(source, "<pasted from the report>", "exec"), namespace)
    conformance.record(probe.pattern(namespace["pasted"], namespace["pasted"]))
"""
# Patterns whose workaround the page shows, with the suite file and the name of the check that
# measures each: a related manager's, an atomic block's, a savepoint's and a lazy foreign key's.
PASTED_FEATURES = {
    "pattern.m2m-add": ("test_patterns.py", "m2m-add"),
    "pattern.atomic-block": ("test_transaction_patterns.py", "atomic-block"),
    "pattern.savepoint-rollback": ("test_transaction_patterns.py", "savepoint_from and rollback"),
    "pattern.lazy-forward-fk": ("test_related_access.py", "lazy_forward_fk"),
}


@pytest.fixture(scope="module")
def measured_sessions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sessions folder of one cell that ran the patterns' checks, workarounds included."""
    suite = ROOT / "conformance" / "runner" / "suite"
    cell = tmp_path_factory.mktemp("cell")
    files = sorted({str(suite / name) for name, _ in PASTED_FEATURES.values()})
    selected = " or ".join(f"({check})" for _, check in PASTED_FEATURES.values())
    measured = run_suite_in(cell, *files, "-k", selected)
    for feature in PASTED_FEATURES:
        found = measured.feature(feature)["verdict"]
        assert found == "needs-sync-to-async", (feature, found, measured.output)
    sessions = tmp_path_factory.mktemp("sessions")
    shutil.copy(measured.results_path, sessions / "django-5.2-sqlite.json")
    return sessions


@pytest.mark.parametrize("viewport", [browser_page.DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("feature", list(PASTED_FEATURES))
def test_a_workaround_read_from_my_setup_runs_in_a_cell_and_works(
    open_page: OpenPage, measured_sessions: Path, tmp_path: Path, feature: str, viewport: dict
) -> None:
    opened = open_page(
        merge(measured_sessions), fragment="?django=5.2&db=sqlite", viewport=viewport
    )
    item = opened.page.locator("#setup-answer li", has_text=feature)
    pasted = item.locator("pre.workaround").inner_text()
    check = tmp_path / "pasted" / "test_pasted.py"
    check.parent.mkdir()
    check.write_text(PASTED_CHECK.format(pasted=pasted, feature=feature))
    # the suite's fixtures (its rows, its database), for a check outside the suite's folder
    (check.parent / "conftest.py").write_text("from conformance.runner.suite.conftest import *\n")
    ran = run_suite_in(check.parent, str(check))
    assert ran.results_path.exists(), ran.output
    assert ran.feature(feature)["verdict"] == "native", ran.output
