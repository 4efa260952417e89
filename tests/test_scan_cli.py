"""The scan's command line as CI and pre-commit use it: output formats, exit codes, the
project's own configuration and suppressions, and what it says about the files it skipped."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance.scan.__main__ import _parser, main
from tests.test_scan import BACKENDS, SERIES, _feature, crafted_results, project

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-2.1.0.json"
ROOT = Path(__file__).parent.parent
ADDON = "async-backend"


def _with_addon_column(document: dict[str, Any]) -> dict[str, Any]:
    """The crafted results plus measured paginator and ``alist`` features, and an add-on
    column on the newest release where ``model.asave`` is native from the start."""
    extra = {
        "paginator.async-paginator.apage": ("native",) * 3,
        "queryset.alist": ("absent",) * 3,
    }
    document["features"] += [_feature(f, verdicts) for f, verdicts in extra.items()]
    newest = SERIES[-1]
    cell_id = f"django-{newest}-{ADDON}"
    document["cells"].append(
        {"id": cell_id, "django_series": newest, "backend": ADDON, "state": "complete"}
    )
    for feature in document["features"]:
        feature["cells"][cell_id] = feature["cells"][f"django-{newest}-postgresql"]
    document["columns"] = [{"cell": cell_id, "backend": ADDON}]
    return document


@pytest.fixture
def results(tmp_path: Path) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(_with_addon_column(crafted_results())), encoding="utf-8")
    return path


ONE_OF_EACH = """
from django.db import transaction
from .models import Article

async def view(pk):
    article = await Article.objects.aget(pk=pk)
    article.tags.add(1)
    with transaction.atomic():
        pass
    return article.author.name
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- formats --------------------------------------------------------------------------------


def test_sarif_output_passes_the_sarif_2_1_0_schema(tmp_path, results, capsys):
    app = project(tmp_path, ONE_OF_EACH)
    code, out, _ = run(capsys, "--results", str(results), "--format", "sarif", str(app))
    assert code == 0
    document = json.loads(out)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(document, schema)
    results_found = document["runs"][0]["results"]
    assert {r["ruleId"] for r in results_found} >= {"queryset.aget", "pattern.m2m-add"}
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results_found)


def test_github_format_is_one_workflow_command_per_finding_to_act_on(tmp_path, results, capsys):
    app = project(tmp_path, ONE_OF_EACH)
    _, out, _ = run(capsys, "--results", str(results), "--format", "github", str(app))
    lines = out.strip().splitlines()
    assert len(lines) == 3  # the native aget needs nothing
    assert all(
        re.match(r"::(error|warning|notice) file=[^,]+,line=\d+,title=\S+::", x) for x in lines
    )
    assert any(x.startswith("::error ") and "pattern.m2m-add" in x for x in lines)


# -- suppressions and configuration ---------------------------------------------------------


def test_an_inline_suppression_silences_the_named_feature_only(tmp_path, results, capsys):
    app = project(
        tmp_path,
        """
        from .models import Article

        async def view(pk):
            a = await Article.objects.aget(pk=pk)  # conformance: ignore[queryset.aget]
            b = await Article.objects.aget(pk=pk)  # conformance: ignore[model.asave]
            c = await Article.objects.aget(pk=pk)  # conformance: ignore
            return a, b, c
        """,
    )
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(app))
    assert [f["line"] for f in json.loads(out)["findings"]] == [6]


def test_the_projects_pyproject_sets_defaults_the_command_line_overrides(tmp_path, results, capsys):
    app = project(tmp_path, "async def view(article):\n    article.tags.add(1)\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance-scan]\nrelease = "4.2"\nbackend = "sqlite"\n'
        'fail-on = ["needs-sync-to-async"]\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--results", str(results), "--format", "json", str(app))
    document = json.loads(out)
    assert (code, document["release"], document["backend"]) == (1, "4.2", "sqlite")
    code, out, _ = run(
        capsys, "--results", str(results), "--format", "json", "--fail-on", "absent", str(app)
    )
    assert code == 0


def test_the_projects_pyproject_exclude_leaves_out_its_folders(tmp_path, results, capsys):
    app = project(tmp_path, "async def v():\n    pass\n")
    legacy = app / "legacy"
    legacy.mkdir()
    (legacy / "views.py").write_text(
        "async def v(article):\n    await article.asave()\n", encoding="utf-8"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance-scan]\nexclude = ["legacy"]\n', encoding="utf-8"
    )
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(tmp_path))
    document = json.loads(out)
    assert (document["findings"], document["excluded_folders"]) == ([], [str(legacy)])


def test_an_unknown_pyproject_key_is_one_line_with_the_fix(tmp_path, results, capsys):
    app = project(tmp_path, "async def view():\n    pass\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance-scan]\nrelase = "4.2"\n', encoding="utf-8"
    )
    code, _, err = run(capsys, "--results", str(results), str(app))
    assert code == 2
    assert "relase" in err
    assert "Fix:" in err


def test_strict_reports_only_findings_whose_receiver_is_typed(tmp_path, results, capsys):
    app = project(
        tmp_path,
        """
        from .models import Article

        async def view(pk, article):
            await (await Article.objects.aget(pk=pk)).asave()
            await article.asave()
        """,
    )
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(app))
    assert len(json.loads(out)["findings"]) == 3
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", "--strict", str(app))
    assert [f["line"] for f in json.loads(out)["findings"]] == [5, 5]


# -- exit codes and inputs ------------------------------------------------------------------


def test_a_run_where_no_file_could_be_parsed_exits_2(tmp_path, results, capsys):
    app = tmp_path / "app"
    app.mkdir()
    (app / "broken.py").write_text("def (:\n", encoding="utf-8")
    code, out, err = run(capsys, "--results", str(results), str(app))
    assert (code, out) == (2, "")
    assert "broken.py: syntax error" in err
    assert "Fix:" in err


def test_every_file_that_could_not_be_parsed_is_named_with_its_reason(tmp_path, results, capsys):
    app = tmp_path / "app"
    app.mkdir()
    (app / "broken.py").write_text("def (:\n", encoding="utf-8")
    (app / "binary.py").write_bytes(b"\xff\xfe\x00 not text")
    code, _, err = run(capsys, "--results", str(results), str(app))
    assert code == 2
    assert "binary.py: cannot be decoded" in err
    assert "broken.py: syntax error line 1" in err


def test_a_tree_whose_files_are_all_in_excluded_folders_names_them(tmp_path, results, capsys):
    build = tmp_path / "build" / "lib"
    build.mkdir(parents=True)
    (build / "views.py").write_text("async def view():\n    pass\n", encoding="utf-8")
    code, _, err = run(capsys, "--results", str(results), str(tmp_path))
    assert code == 2
    assert str(tmp_path / "build") in err
    assert "--include build" in err
    code, _, _ = run(capsys, "--results", str(results), "--include", "build", str(tmp_path))
    assert code == 0


def test_exclude_leaves_out_folders_matching_a_pattern(tmp_path, results, capsys):
    app = project(tmp_path, "from .models import Article\n\nasync def v():\n    pass\n")
    legacy = app / "legacy_old"
    legacy.mkdir()
    (legacy / "views.py").write_text(
        "async def v(article):\n    await article.asave()\n", encoding="utf-8"
    )
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(app))
    assert json.loads(out)["findings"]
    args = ["--results", str(results), "--format", "json", "--exclude", "*_old", str(app)]
    _, out, _ = run(capsys, *args)
    assert json.loads(out)["findings"] == []


def test_an_unknown_option_or_format_exits_2(tmp_path, results, capsys):
    app = project(tmp_path, "async def view():\n    pass\n")
    for wrong in (["--bogus"], ["--format", "xml"]):
        with pytest.raises(SystemExit) as exited:
            main(["--results", str(results), *wrong, str(app)])
        assert exited.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_an_expression_nested_400_levels_deep_exits_0_with_its_finding(tmp_path, results, capsys):
    nested = "a" + ".b" * 400
    app = project(
        tmp_path,
        f"""
        from .models import Article

        async def deep(a):
            return await Article.objects.filter(pk={nested}).acount()
        """,
    )
    code, out, err = run(capsys, "--results", str(results), "--format", "json", str(app))
    assert (code, err) == (0, "")
    assert [(f["line"], f["feature"]) for f in json.loads(out)["findings"]] == [
        (5, "queryset.acount")
    ]


def test_a_fault_of_the_scan_itself_exits_2_naming_where_it_stopped(
    tmp_path, results, capsys, monkeypatch
):
    def broken(self):
        raise ValueError("unexpected node")

    monkeypatch.setattr("conformance.scan.finder.Scanner.run", broken)
    app = project(tmp_path, "async def view():\n    pass\n")
    code, _, err = run(capsys, "--results", str(results), str(app))
    assert code == 2
    assert (
        f"internal error (ValueError: unexpected node; while scanning {app / 'views.py'}:1)" in err
    )
    assert "Fix:" in err


def test_a_folder_left_out_by_exclude_is_answered_with_the_pattern_to_drop(
    tmp_path, results, capsys
):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "views.py").write_text("async def view():\n    pass\n", encoding="utf-8")
    code, _, err = run(capsys, "--results", str(results), "--exclude", "leg*", str(tmp_path))
    assert code == 2
    assert str(legacy) in err
    assert "drop the exclude leg*" in err
    assert "--include" not in err


def test_every_default_excluded_folder_holding_files_gets_its_include(tmp_path, results, capsys):
    for folder in ("build", "env"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "views.py").write_text("x = 1\n", encoding="utf-8")
    code, _, err = run(capsys, "--results", str(results), str(tmp_path))
    assert code == 2
    assert "pass --include build --include env to scan them" in err


def test_a_reader_that_stops_early_leaves_the_fail_on_exit_status(tmp_path, results):
    app = project(tmp_path, "async def v(article):\n    article.tags.add(1)\n")
    command = [sys.executable, "-m", "conformance.scan", "--results", str(results)]
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as stderr:
        scan = subprocess.Popen(
            [*command, "--fail-on", "needs-sync-to-async", str(app)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        scan.stdout.close()  # as `| head -1` does once it has its line
        code = scan.wait(timeout=60)
    assert (code, "Traceback" in errors.read_text()) == (1, False)


def test_an_unknown_verdict_in_fail_on_exits_2(tmp_path, results, capsys):
    app = project(tmp_path, "async def view():\n    pass\n")
    code, _, err = run(capsys, "--results", str(results), "--fail-on", "nativ", str(app))
    assert code == 2
    assert "unknown verdict nativ" in err
    assert "Fix:" in err


# -- advice ---------------------------------------------------------------------------------


@pytest.fixture
def alist_app(tmp_path):
    """A view awaiting ``alist()``, which no release has."""
    return project(
        tmp_path,
        """
        from .models import Article

        async def view():
            return await Article.objects.filter(pk=1).alist()
        """,
    )


def test_an_api_in_no_release_is_absent_with_the_form_that_works(alist_app, results, capsys):
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(alist_app))
    (finding,) = json.loads(out)["findings"]
    assert finding["verdict"] == "absent"
    assert "[x async for x in Article.objects.filter(pk=1)]" in finding["advice"]


def test_an_api_in_no_release_on_a_manager_is_answered_with_a_queryset_to_iterate(
    tmp_path, results, capsys
):
    app = project(
        tmp_path,
        """
        from .models import Article

        async def view():
            return await Article.objects.aall()
        """,
    )
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(app))
    (finding,) = json.loads(out)["findings"]
    assert finding["verdict"] == "absent"
    assert "use [x async for x in Article.objects.all()]" in finding["advice"]


def test_the_wrapped_form_of_an_api_in_no_release_evaluates_the_queryset(
    alist_app, results, capsys
):
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(alist_app))
    (finding,) = json.loads(out)["findings"]
    wrapped = "await sync_to_async(list)(Article.objects.filter(pk=1))"
    assert finding["workaround"]["wrapped_form"] == wrapped
    assert finding["workaround"]["wrapped_form_tested"] is False


def test_a_workaround_the_kit_did_not_run_is_not_called_tested(alist_app, results, capsys):
    _, out, _ = run(capsys, "--results", str(results), str(alist_app))
    assert "workaround (written by the scan):" in out
    assert "tested workaround" not in out


def test_the_lazy_fk_advice_names_the_relation_read(tmp_path, results, capsys):
    document = json.loads(results.read_text(encoding="utf-8"))
    for feature in document["features"]:
        if feature["id"] == "pattern.select-related-aget":
            for cell in feature["cells"].values():
                cell["verdict"] = "native"
    results.write_text(json.dumps(document), encoding="utf-8")
    app = project(
        tmp_path,
        """
        from .models import Comment

        async def view(pk):
            comment = await Comment.objects.aget(pk=pk)
            return comment.article
        """,
    )
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(app))
    lazy = next(f for f in json.loads(out)["findings"] if f["feature"].endswith("lazy-forward-fk"))
    assert "select_related('article')" in lazy["advice"]


def test_lacks_lines_are_grouped_across_backends(tmp_path, results, capsys):
    app = project(
        tmp_path, "from .models import Article\n\nasync def v(a: Article):\n    await a.asave()\n"
    )
    _, out, _ = run(capsys, "--results", str(results), str(app))
    lacks = [line for line in out.splitlines() if line.startswith("  Django")]
    assert lacks == [f"  Django 4.1 ({', '.join(BACKENDS)}) lacks: model.asave"]


def test_an_add_on_column_counts_in_the_minimum_release_only_when_asked_for(
    tmp_path, results, capsys
):
    app = project(
        tmp_path, "from .models import Article\n\nasync def v(a: Article):\n    await a.asave()\n"
    )
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", str(app))
    assert set(json.loads(out)["minimum_release"]) == set(BACKENDS)
    _, out, _ = run(capsys, "--results", str(results), "--format", "json", "--db", ADDON, str(app))
    assert json.loads(out)["minimum_release"][ADDON] == SERIES[-1]


def test_help_lists_every_backend_of_the_results(tmp_path, results, capsys, monkeypatch):
    monkeypatch.setattr("conformance.scan.__main__.DEFAULT_RESULTS", results)
    monkeypatch.setenv("COLUMNS", "400")  # no line wrapping inside a backend's name
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"one of {', '.join([*BACKENDS, ADDON])}" in help_text


# -- pre-commit -----------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_the_pre_commit_hook_runs_offline_on_a_sample_repository(tmp_path, results):
    """The manifest's hook (its arguments, file types, one run per commit), run by pre-commit
    as a local system hook so that nothing is downloaded."""
    yaml = pytest.importorskip("yaml")
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    sample = tmp_path / "sample"
    sample.mkdir()
    app = project(sample, "from .models import Article\n\nasync def v(a: Article):\n    a.save()\n")
    local = {
        key: hook[key] for key in ("id", "name", "pass_filenames", "require_serial", "types")
    } | {
        "entry": f"{sys.executable} -m conformance.scan --results {results}",
        "language": "system",
        "args": [*hook["args"][:-2], "needs-await", hook["args"][-1]],
    }
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (sample / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for command in (["git", "init", "-q"], ["git", "add", "."]):
        subprocess.run(command, cwd=sample, check=True, env=env, timeout=60)
    completed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=sample,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    expected = f"{app.relative_to(sample) / 'views.py'}:4 model.asave: needs-await"
    assert expected in completed.stdout


def test_the_readmes_pre_commit_example_uses_the_hook_the_repository_ships():
    yaml = pytest.importorskip("yaml")
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The scan in pre-commit", 1)[1].split("\n## ", 1)[0]
    example = yaml.safe_load(section.split("```yaml", 1)[1].split("```", 1)[0])
    (used,) = example["repos"][0]["hooks"]
    assert used["id"] == hook["id"]
    args = _parser().parse_args(used["args"])
    assert (args.results, args.fail_on) == ("ci/results.json", "needs-sync-to-async,absent")
    assert "(docs/scan.md" in section


def test_the_output_names_the_folders_it_left_out(tmp_path, results, capsys):
    app = project(tmp_path, "async def v():\n    pass\n")
    (app / "migrations").mkdir()
    (app / "migrations" / "0001_initial.py").write_text("x = 1\n", encoding="utf-8")
    _, out, _ = run(capsys, "--results", str(results), str(app))
    assert f"left out (excluded folders; --include NAME scans one): {app / 'migrations'}" in out
