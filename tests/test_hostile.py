"""A results file full of hostile text renders as text, in the page and in the summary."""

from __future__ import annotations

import re

import pytest

from conformance.report.merge import merge
from conformance.report.render import decode_data, render_markdown
from conformance.results import write_results
from tests.report_data import page_markup
from tests.session_data import session

HOSTILE = '<script>alert("x")</script>" onmouseover="alert(1)\x00\x1b[31m|pipe|\n' + "y" * 200_000


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hostile")
    document = session("django-5.2-sqlite", {"queryset.aget": "diverges"})
    check = document["checks"][0]
    check["id"] = "test_x.py::test_<img src=x onerror=alert(1)>"
    check["notes"] = [HOSTILE]
    check["evidence"]["observed"] = {
        "kind": "exception", "repr": HOSTILE, "type": "builtins.ValueError", "message": HOSTILE,
    }  # fmt: skip
    document["features"]["queryset.aget"]["notes"] = [HOSTILE]
    document["environment"]["server"] = "<b>PostgreSQL</b>"
    write_results(directory / "django-5.2-sqlite.json", document)
    return merge(directory)


def test_the_page_has_no_markup_from_the_results_file(merged):
    page = page_markup(merged)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "<b>PostgreSQL</b>" not in page
    assert '" onmouseover="alert(1)' not in page


def test_the_page_still_shows_the_text(merged):
    page = page_markup(merged)
    assert "&lt;b&gt;PostgreSQL&lt;/b&gt;" in page


def test_the_embedded_data_cannot_close_its_script_tag(merged):
    page = page_markup(merged)
    blocks = re.findall(r'<script type="application/octet-stream"[^>]*>(.*?)</script>', page, re.S)
    assert len(blocks) > 2
    for block in blocks:
        assert re.fullmatch(r"[A-Za-z0-9+/=]*", block)
        decode_data(block)


def test_the_summary_keeps_hostile_text_on_one_escaped_line(merged):
    summary = render_markdown(merged)
    assert "<script>" not in summary
    assert "\x1b" not in summary
    assert all(len(line) < 2000 for line in summary.splitlines())
