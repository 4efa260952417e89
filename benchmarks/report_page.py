"""How heavy the report page is and how soon its matrix is usable, in a real browser.

    python benchmarks/report_page.py                    # reports/results.json
    python benchmarks/report_page.py old/results.json   # any merged results file

Prints the rendered page's size in bytes, then, in headless Chromium (/usr/bin/chromium), the
milliseconds from navigation until a matrix cell can be clicked and its evidence shows, without
and with a 4x CPU slowdown (a mid-range phone). This measures; it asserts nothing.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.report.render import render_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SLOWDOWNS = (1, 4)


def time_to_usable_matrix(page_uri: str, first_cell: str, slowdown: int) -> float:
    """Milliseconds from navigation until clicking ``first_cell`` shows its evidence: the moment
    a reader can use the matrix, whatever the page still does afterwards."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.context.new_cdp_session(page).send(
            "Emulation.setCPUThrottlingRate", {"rate": slowdown}
        )
        start = time.perf_counter()
        page.goto(page_uri, wait_until="commit")
        page.click(f'a[href="#{first_cell}"]', timeout=120_000)
        page.wait_for_selector("#evidence", state="visible", timeout=120_000)
        elapsed = (time.perf_counter() - start) * 1000
        browser.close()
    return elapsed


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else ROOT / "reports" / "results.json"
    merged = json.loads(source.read_text("utf-8"))
    html = render_html(merged)
    first_cell = f"{merged['features'][0]['id']}--{merged['cells'][0]['id']}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.html"
        path.write_text(html, encoding="utf-8")
        print(f"page: {len(html.encode('utf-8')):,} bytes ({source})")
        for slowdown in SLOWDOWNS:
            elapsed = time_to_usable_matrix(path.as_uri(), first_cell, slowdown)
            print(f"matrix usable after {elapsed:,.0f} ms at {slowdown}x CPU slowdown")


if __name__ == "__main__":
    main(sys.argv[1:])
