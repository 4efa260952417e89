"""The scan of users' code: findings measured against a labelled corpus, verdicts from a
crafted merged results file, and the command line's outputs and exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conformance.scan.__main__ import main
from conformance.scan.finder import Finding, find
from conformance.scan.sources import python_files, read_source
from conformance.scan.tree import parse_tree
from conformance.scan.vocabulary import Vocabulary

CORPUS = Path(__file__).parent / "scan_corpus"
# The stock features a real run of the matrix measured (every session file's ids, variants and
# add-on columns left out): the vocabulary the corpus is scanned with.
VOCABULARY = Vocabulary.from_features(
    (CORPUS / "measured_features.txt").read_text(encoding="utf-8").split()
)
EXPECT = re.compile(r"#\s*expect:\s*(?P<features>[\w.\-, ]+)$")
SERIES = ("4.1", "4.2", "5.0")
BACKENDS = ("sqlite", "postgresql")
# Per feature, its verdict in each release (both backends), as a real matrix would have it.
VERDICTS = {
    "queryset.aget": ("native", "native", "native"),
    "queryset.acount": ("native", "native", "native"),
    "queryset.async-for": ("native", "native", "native"),
    "model.asave": ("absent", "native", "native"),
    "related.m2m.aadd": ("absent", "native", "native"),
    "shortcuts.aget_object_or_404": ("absent", "absent", "native"),
    "pattern.m2m-add": ("needs-sync-to-async",) * 3,
    "pattern.lazy-forward-fk": ("needs-sync-to-async",) * 3,
    "pattern.select-related-aget": ("native", "native", "native"),
    "pattern.atomic-block": ("needs-sync-to-async",) * 3,
}
WRAPPED_M2M_ADD = "await sync_to_async(article.tags.add)(tag)"
MODELS = """
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)


class Article(models.Model):
    author = models.ForeignKey(Author, models.CASCADE, related_name="articles")
    tags = models.ManyToManyField("Tag")


class Comment(models.Model):
    article = models.ForeignKey(Article, models.CASCADE, related_name="comments")
"""


def _feature(feature_id: str, verdicts: tuple[str, ...]) -> dict[str, Any]:
    snippet = f"async def direct(): ...\n\n# wrapped form\n{WRAPPED_M2M_ADD}"
    checks = [{"evidence": {"snippet": snippet}}] if feature_id == "pattern.m2m-add" else []
    return {
        "id": feature_id,
        "title": feature_id,
        "kind": "pattern" if feature_id.startswith("pattern.") else "method",
        "cells": {
            f"django-{series}-{backend}": {"verdict": verdict, "checks": checks}
            for series, verdict in zip(SERIES, verdicts, strict=True)
            for backend in BACKENDS
        },
    }


def crafted_results() -> dict[str, Any]:
    """A merged results document with only what the scan reads."""
    return {
        "cells": [
            {"id": f"django-{s}-{b}", "django_series": s, "backend": b, "state": "complete"}
            for s in SERIES
            for b in BACKENDS
        ],
        "features": [_feature(feature_id, verdicts) for feature_id, verdicts in VERDICTS.items()],
    }


@pytest.fixture
def results(tmp_path: Path) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(crafted_results()), encoding="utf-8")
    return path


def project(tmp_path: Path, views: str) -> Path:
    """A one-app project: small models and the given views."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "models.py").write_text(MODELS, encoding="utf-8")
    (app / "views.py").write_text(textwrap.dedent(views), encoding="utf-8")
    return app


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


# -- the corpus: precision and recall -------------------------------------------------------

REAL = CORPUS / "real"
STYLED = CORPUS / "styled"
HAND_WRITTEN = sorted(
    path for path in CORPUS.iterdir() if path.is_dir() and path not in {REAL, STYLED}
)
# Per real project, its labels (tests/scan_corpus/real/README.md has the sources and the
# figures, blind and after the fixes). Each is held to the floor of 0.97 for precision
# and recall: no project may drop below it, whatever the others score.
REAL_LABELS = {
    "adrf": 8,
    "async_django_book": 7,
    "conference": 31,
    "django_async_extensions": 13,
    "django_async_pydantic_example": 4,
    "django_ninja": 5,
    "django_ninja_extra": 3,
    "megagame_controller": 51,
}
FLOOR = 0.97


def labelled(root: Path) -> set[tuple[str, int, str]]:
    """(file, line, feature) for every ``# expect:`` label under ``root``."""
    expected = set()
    for path in python_files([root]).files:
        for number, line in enumerate(read_source(path).splitlines(), 1):
            if match := EXPECT.search(line):
                for feature in match["features"].split(","):
                    expected.add((path.relative_to(CORPUS).as_posix(), number, feature.strip()))
    return expected


def findings(roots: list[Path]) -> list[Finding]:
    tree, skipped = parse_tree(python_files(roots).files, VOCABULARY)
    assert skipped == []
    return find(tree)


def corpus_findings() -> list[Finding]:
    return findings(HAND_WRITTEN)


def precision_and_recall(roots: list[Path]) -> tuple[int, float, float, str]:
    """Label count, precision, recall, and what was wrong, for the scan of ``roots``."""
    expected = set().union(*(labelled(root) for root in roots))
    found = {
        (Path(f.path).relative_to(CORPUS).as_posix(), f.line, f.feature) for f in findings(roots)
    }
    right = found & expected
    wrong = f"not labelled: {sorted(found - expected)}; missed: {sorted(expected - found)}"
    return len(expected), len(right) / len(found), len(right) / len(expected), wrong


def test_the_scan_finds_the_labelled_lines_of_the_hand_written_corpus_and_nothing_else():
    labels, precision, recall, wrong = precision_and_recall(HAND_WRITTEN)
    assert labels >= 50, "the corpus should exercise every kind of finding"
    # As measured when the cases were written (the floor is 0.95 for each).
    assert precision == 1.0, f"precision {precision:.3f}; {wrong}"
    assert recall == 1.0, f"recall {recall:.3f}; {wrong}"


@pytest.mark.parametrize("project", sorted(REAL_LABELS))
def test_precision_and_recall_on_a_real_project_are_each_at_least_097(project):
    labels, precision, recall, wrong = precision_and_recall([REAL / project])
    assert labels == REAL_LABELS[project]
    assert precision >= FLOOR, f"precision {precision:.3f}; {wrong}"
    assert recall >= FLOOR, f"recall {recall:.3f}; {wrong}"


# Per styled project (tests/scan_corpus/styled, labelled blind before the scanner changes that
# handle them): labels, and the floor of 0.97 for precision and recall the issue sets.
STYLED_LABELS = {"channels_chat": 10, "drf_shop": 16, "ninja_tasks": 14}


@pytest.mark.parametrize("project", sorted(STYLED_LABELS))
def test_precision_and_recall_on_a_styled_project_are_each_at_least_097(project):
    labels, precision, recall, wrong = precision_and_recall([STYLED / project])
    assert labels == STYLED_LABELS[project]
    assert precision >= FLOOR, f"precision {precision:.3f}; {wrong}"
    assert recall >= FLOOR, f"recall {recall:.3f}; {wrong}"


def test_every_styled_project_is_measured():
    assert sorted(p.name for p in STYLED.iterdir() if p.is_dir()) == sorted(STYLED_LABELS)


def test_every_real_project_is_measured_and_keeps_its_licence_and_source():
    projects = sorted(path.name for path in REAL.iterdir() if path.is_dir())
    assert projects == sorted(REAL_LABELS)
    for project in projects:
        assert (REAL / project / "LICENSE").is_file()
        assert "Commit:" in (REAL / project / "SOURCE.md").read_text(encoding="utf-8")


def test_every_feature_the_corpus_expects_is_one_the_kit_knows():
    from conformance.features import describe

    unknown = {feature for _, _, feature in labelled(CORPUS) if describe(feature) is None}
    assert unknown <= {"transaction.atomic-async-with"}  # judged by pattern.atomic-block


# -- chains through plain functions ---------------------------------------------------------


def test_a_sync_call_in_a_plain_function_reports_the_chain_from_the_coroutine():
    by_place = {(Path(f.path).name, f.line): f for f in corpus_findings()}
    lazy = by_place[("services.py", 7)]
    assert lazy.feature == "pattern.lazy-forward-fk"
    assert [step.split(" at ")[0] for step in lazy.chain] == ["dashboard()", "summarize()"]
    assert lazy.chain[0].endswith("views.py:90")


def test_the_chain_stops_after_three_calls():
    by_place = {(Path(f.path).name, f.line): f for f in corpus_findings()}
    assert len(by_place[("services.py", 24)].chain) == 3
    assert ("services.py", 30) not in by_place  # level_four: a fourth call away


# -- verdicts, minimum release, outputs -----------------------------------------------------


def test_json_output_has_findings_with_verdicts_and_the_minimum_release(tmp_path, results, capsys):
    app = project(
        tmp_path,
        """
        from .models import Article

        async def view(pk):
            article = await Article.objects.aget(pk=pk)
            article.tags.add(1)
            return await article.comments.acount()
        """,
    )
    code, document = scan_json(capsys, "--results", str(results), str(app))
    assert code == 0
    assert document["release"] == "5.0"
    assert document["backend"] == "postgresql"
    assert {"findings", "minimum_release", "blocking"} <= set(document)
    assert [(f["line"], f["feature"], f["verdict"]) for f in document["findings"]] == [
        (5, "queryset.aget", "native"),
        (6, "pattern.m2m-add", "needs-sync-to-async"),
        (7, "queryset.acount", "native"),
    ]
    m2m = document["findings"][1]
    assert m2m["path"] == str(app / "views.py")
    assert m2m["workaround"]["alternatives"] == [
        {"feature": "related.m2m.aadd", "api": "RelatedManager.aadd()", "native_since": "4.2"}
    ]
    assert m2m["workaround"]["wrapped_form"] == WRAPPED_M2M_ADD
    assert m2m["workaround"]["wrapped_form_tested"] is True
    assert m2m["native_since"] == {"sqlite": "4.2", "postgresql": "4.2"}


def test_minimum_release_is_the_oldest_on_which_every_finding_is_native(tmp_path, results, capsys):
    app = project(
        tmp_path,
        """
        from django.shortcuts import aget_object_or_404
        from .models import Article

        async def view(pk):
            article = await aget_object_or_404(Article, pk=pk)
            await article.asave()
        """,
    )
    _, document = scan_json(capsys, "--results", str(results), str(app))
    assert document["minimum_release"] == {"sqlite": "5.0", "postgresql": "5.0"}
    views = app / "views.py"
    assert document["blocking"]["postgresql"] == {
        "4.1": [f"{views}:6 shortcuts.aget_object_or_404", f"{views}:7 model.asave"],
        "4.2": [f"{views}:6 shortcuts.aget_object_or_404"],
    }


def test_a_pattern_native_in_no_release_leaves_no_minimum(tmp_path, results, capsys):
    app = project(
        tmp_path,
        """
        from django.db import transaction

        async def view():
            async with transaction.atomic():
                pass
        """,
    )
    _, document = scan_json(capsys, "--results", str(results), str(app))
    (finding,) = document["findings"]
    assert (finding["feature"], finding["measured_as"]) == (
        "transaction.atomic-async-with",
        "pattern.atomic-block",
    )
    assert document["minimum_release"] == {"sqlite": None, "postgresql": None}


def test_a_sync_call_needs_an_await_where_its_twin_is_native_and_wrapping_before(
    tmp_path, results, capsys
):
    app = project(
        tmp_path,
        """
        from .models import Article

        async def view(article: Article):
            article.save()
        """,
    )
    _, on_42 = scan_json(capsys, "--results", str(results), "--django", "4.2", str(app))
    _, on_41 = scan_json(capsys, "--results", str(results), "--django", "4.1", str(app))
    assert on_42["findings"][0]["verdict"] == "needs-await"
    assert on_41["findings"][0]["verdict"] == "needs-sync-to-async"
    assert on_41["findings"][0]["workaround"]["native_from"] == "4.2"


def test_text_output_is_a_table_with_the_minimum_release(tmp_path, results, capsys):
    app = project(
        tmp_path,
        """
        from .models import Article

        async def view():
            return await Article.objects.aget(pk=1)
        """,
    )
    assert main(["--results", str(results), str(app)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"views\.py:5\s+queryset\.aget\s+native\s+4\.1", out)
    assert "Oldest release where every finding has a native form: sqlite 4.1, postgresql 4.1" in out


def test_results_may_come_from_a_url(tmp_path, results, capsys):
    app = project(tmp_path, "async def view():\n    pass\n")
    handler = partial(SimpleHTTPRequestHandler, directory=str(results.parent))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/results.json"
        code, document = scan_json(capsys, "--results", url, str(app))
    finally:
        server.shutdown()
    assert code == 0
    assert document["findings"] == []


# -- exit codes -----------------------------------------------------------------------------


def test_fail_on_exits_1_listing_the_findings_with_those_verdicts(tmp_path, results, capsys):
    app = project(
        tmp_path,
        """
        async def view(article):
            article.tags.add(1)
        """,
    )
    assert main(["--results", str(results), str(app)]) == 0
    capsys.readouterr()
    failing = ["--fail-on", "needs-sync-to-async,absent,diverges"]
    assert main(["--results", str(results), *failing, str(app)]) == 1
    err = capsys.readouterr().err
    assert f"{app / 'views.py'}:3 pattern.m2m-add: needs-sync-to-async" in err


def _one_line_error(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "Fix:" in err
    return err


def test_a_missing_results_file_is_one_line_naming_it_and_the_fix(tmp_path, capsys):
    missing = tmp_path / "nowhere" / "results.json"
    err = _one_line_error(capsys, "--results", str(missing), str(CORPUS))
    assert str(missing) in err
    assert "no such file" in err
    assert "nox" in err


def test_a_corrupt_or_wrong_results_file_is_one_line_with_the_fix(tmp_path, capsys):
    corrupt = tmp_path / "results.json"
    corrupt.write_text('{"cells": [', encoding="utf-8")
    assert "is not JSON" in _one_line_error(capsys, "--results", str(corrupt), str(CORPUS))
    corrupt.write_text('{"cell": {}, "checks": []}', encoding="utf-8")
    err = _one_line_error(capsys, "--results", str(corrupt), str(CORPUS))
    assert "one session's results file" in err


def test_a_bad_path_or_release_is_one_line_with_the_fix(tmp_path, results, capsys):
    err = _one_line_error(capsys, "--results", str(results), str(tmp_path / "missing"))
    assert "no such file or folder" in err
    err = _one_line_error(capsys, "--results", str(results), "--django", "3.2", str(CORPUS))
    assert "4.1, 4.2, 5.0" in err


def test_the_scan_never_imports_django_nor_the_scanned_code(results):
    code = (
        "import sys; from conformance.scan.__main__ import main; "
        f"assert main(['--results', {str(results)!r}, {str(CORPUS)!r}]) == 0; "
        "assert not [m for m in sys.modules if m == 'django' or m.startswith(('django.', 'blog'))]"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=CORPUS.parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
