"""How heavy the report page is and how soon its matrix is usable, in a real browser.

    python benchmarks/report_page.py                    # reports/results.json
    python benchmarks/report_page.py old/results.json   # any merged results file

Prints the rendered page's size in bytes, then, in headless Chromium (/usr/bin/chromium), with
no and with a 4x CPU slowdown (CDP ``Emulation.setCPUThrottlingRate``, a mid-range phone):

- usable: milliseconds from navigation start until a click on the top left matrix cell, made
  the moment that cell exists, has drawn its evidence with its checks (and, before that, when
  the panel opened with the verdict, links and versions). The page's own clock measures it (the
  click and the drawing happen in the page), so Playwright's round trips are not counted;
- DOMContentLoaded and load, on the same clock;
- the same click made by Playwright once the page has loaded, to the evidence showing: this one
  includes Playwright's actionability checks and round trips, wall clock;
- on screen: when the browser has painted that evidence (Element Timing's render time of the
  panel's title, marked the moment the evidence is drawn);
- the first paint of a one-line page at the same slowdown: the floor this machine sets, and
  "usable" and "on screen" as multiples of it, run by run, which compare across machines of
  other speeds (an absolute budget would only measure the machine).

One browser serves every run, each in a fresh context (a new renderer process, nothing
cached), so the browser's own start-up is not what is measured; a first, unrecorded round
warms it. Pages are measured in turn, so a machine that slows down slows all alike. The median
of ``RUNS`` runs of each (at 4x, runs differ by about 50 ms). This measures; it asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.report.page_data import area_groups, matrix_columns  # noqa: E402
from conformance.report.render import render_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SLOWDOWNS = (1, 4)
RUNS = 9

# Clicks the first cell as soon as the parser has made it, and notes (on the page's clock, which
# starts at navigation) when the evidence shows; a click before the page can handle it is lost,
# as a reader's would be, so the click repeats until it is handled.
CLICK_WHEN_THERE = """
(selector) => {
  const times = (window.__times = {});
  // When the drawn evidence reaches the screen: Element Timing's render time of its title,
  // marked the moment it is drawn (the panel was hidden, so never painted before).
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.identifier === "evidence" && times.painted === undefined) {
        times.painted = entry.renderTime || entry.loadTime;
      }
    }
  }).observe({ type: "element", buffered: true });
  const painted = () => {
    document.getElementById("evidence-title").setAttribute("elementtiming", "evidence");
  };
  document.addEventListener("DOMContentLoaded", () => {
    times.domcontentloaded = performance.now();
  });
  window.addEventListener("load", () => { times.load = performance.now(); });
  const watch = new MutationObserver(() => {
    const panel = document.getElementById("evidence");
    if (panel && !panel.hidden && times.shown === undefined) times.shown = performance.now();
    if (panel && panel.hasAttribute("data-complete") && times.usable === undefined) {
      times.usable = performance.now();
      painted();
    }
    const cell = document.querySelector(selector);
    if (cell && times.shown === undefined && !window.__clicking) {
      window.__clicking = true;
      (function again() {
        if (times.shown !== undefined) return;
        history.replaceState(null, "", location.pathname);
        cell.click();
        setTimeout(again, 16);
      })();
    }
  });
  watch.observe(document, { subtree: true, childList: true, attributes: true });
}
"""


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, for every run of a benchmark."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def throttled_page(browser: Browser, slowdown: int) -> Iterator[Page]:
    """A 1280 px page in a fresh context of ``browser``, its CPU slowed ``slowdown`` times."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto("about:blank")
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        yield page
    finally:
        context.close()


def measure(browser: Browser, page_uri: str, first_cell: str, slowdown: int) -> dict[str, float]:
    """One run at one slowdown: the page's own times, and Playwright's click to evidence."""
    selector = f'#matrix [role=gridcell] a[href="#{first_cell}"]'
    with throttled_page(browser, slowdown) as page:
        page.add_init_script(f"({CLICK_WHEN_THERE})({json.dumps(selector)})")
        page.goto(page_uri, wait_until="load", timeout=120_000)
        page.wait_for_function("window.__times.painted !== undefined", timeout=120_000)
        times = page.evaluate("window.__times")
        page.keyboard.press("Escape")
        page.wait_for_selector("#evidence", state="hidden")
        start = time.perf_counter()
        page.click(selector, timeout=120_000)
        page.wait_for_selector("#evidence[data-complete]", state="visible", timeout=120_000)
        times["playwright_click"] = (time.perf_counter() - start) * 1000
    return times


def floor(browser: Browser, page_uri: str, slowdown: int) -> float:
    """First paint of a one-line page in the same browser at the same slowdown: what no page
    can beat here, printed beside the report's figures."""
    with throttled_page(browser, slowdown) as page:
        page.goto(page_uri, wait_until="load")
        page.wait_for_function("performance.getEntriesByType('paint').length > 0")
        painted = page.evaluate("performance.getEntriesByType('paint')[0].startTime")
    return painted


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else ROOT / "reports" / "results.json"
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing. Fix: apt-get install -y chromium, then run this again.")
    if not source.exists():
        sys.exit(f"{source} is missing. Fix: run nox first (or name a results.json).")
    merged = json.loads(source.read_text("utf-8"))
    html = render_html(merged)
    # The top left cell: the first feature in the newest release's column.
    top = area_groups(merged["features"])[0][1][0]["id"]
    first_cell = f"{top}--{matrix_columns(merged)[0]['cells'][0]['id']}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.html"
        path.write_text(html, encoding="utf-8")
        blank = Path(folder) / "blank.html"
        blank.write_text("<!doctype html><title>blank</title><p>One line.", encoding="utf-8")
        print(f"page: {len(html.encode('utf-8')):,} bytes ({source})")
        with chromium() as browser:
            for slowdown in SLOWDOWNS:
                runs, blanks = [], []
                for round_ in range(RUNS + 1):  # round 0 warms the browser up
                    run = measure(browser, path.as_uri(), first_cell, slowdown)
                    blank_paint = floor(browser, blank.as_uri(), slowdown)
                    if round_:
                        runs.append(run)
                        blanks.append(blank_paint)
                median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                print(
                    f"{slowdown}x CPU slowdown, median of {RUNS}:"
                    f" evidence panel open after {median['shown']:,.0f} ms,"
                    f" its checks drawn (usable) after {median['usable']:,.0f} ms,"
                    f" on screen after {median['painted']:,.0f} ms"
                    f" (DOMContentLoaded {median['domcontentloaded']:,.0f} ms,"
                    f" load {median['load']:,.0f} ms);"
                    f" Playwright's click to evidence {median['playwright_click']:,.0f} ms"
                )
                usable = ", ".join(f"{run['usable']:,.0f}" for run in runs)
                print(f"  usable in each run: {usable} ms")
                blank_median = statistics.median(blanks)
                ratios = {
                    key: statistics.median(
                        run[key] / blank for run, blank in zip(runs, blanks, strict=True)
                    )
                    for key in ("usable", "painted")
                }
                print(
                    f"  a one-line page's first paint here: {blank_median:,.0f} ms;"
                    f" usable after {ratios['usable']:.2f} times that, on screen after"
                    f" {ratios['painted']:.2f} times that (run by run; target at 4x: 2 and 2.5)"
                )


if __name__ == "__main__":
    main(sys.argv[1:])
