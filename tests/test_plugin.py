"""The plugin turns each check's outcome into a verdict, and only real problems fail a run."""

from __future__ import annotations

import textwrap

import pytest

CHECKS = textwrap.dedent(
    """
    import pytest
    from conformance.runner.probe import Outcome
    from conformance.verdicts import Verdict

    EVIDENCE = {"snippet": "await f()", "observed": {"kind": "value", "repr": "1"}}

    @pytest.mark.conformance(feature="queryset.aget")
    def test_native(conformance):
        conformance.record(Outcome(Verdict.NATIVE, EVIDENCE))

    @pytest.mark.conformance(feature="queryset.acount")
    def test_diverges(conformance):
        conformance.record(Outcome(Verdict.DIVERGES, EVIDENCE, "returned 2, twin returned 1"))

    @pytest.mark.conformance(feature="queryset.acreate")
    def test_broken(conformance):
        raise RuntimeError("the kit itself broke")

    @pytest.mark.conformance(feature="queryset.async-for")
    def test_silent(conformance):
        pass

    @pytest.mark.conformance(feature="pattern.lazy-forward-fk")
    def test_skipped(conformance):
        pytest.skip("needs a database feature this backend lacks")
    """
)


@pytest.fixture
def crafted_run(tmp_path, run_suite):
    (tmp_path / "test_crafted.py").write_text(CHECKS)
    return run_suite("test_crafted.py")


@pytest.mark.parametrize(
    ("feature", "verdict"),
    [
        ("queryset.aget", "native"),
        ("queryset.acount", "diverges"),
        ("queryset.acreate", "error"),
        ("queryset.async-for", "error"),
        ("pattern.lazy-forward-fk", "skipped"),
    ],
)
def test_each_outcome_becomes_its_verdict(crafted_run, feature, verdict):
    assert crafted_run.feature(feature)["verdict"] == verdict


def test_a_divergence_is_a_finding_not_a_failed_check(crafted_run):
    (check,) = [c for c in crafted_run.results["checks"] if c["feature"] == "queryset.acount"]
    assert (check["verdict"], check["outcome"]) == ("diverges", "passed")
    assert "acount FAILED" not in crafted_run.output


def test_a_check_that_records_nothing_is_an_error_not_a_pass(crafted_run):
    notes = crafted_run.feature("queryset.async-for")["notes"]
    assert notes == ["the check recorded no verdict"]


def test_a_broken_check_keeps_its_exception_as_the_note(crafted_run):
    assert (
        "RuntimeError: the kit itself broke" in crafted_run.feature("queryset.acreate")["notes"][0]
    )


def test_a_skip_keeps_its_reason(crafted_run):
    notes = crafted_run.feature("pattern.lazy-forward-fk")["notes"]
    assert notes == ["skipped: Skipped: needs a database feature this backend lacks"]


def test_the_session_is_complete_with_versions_recorded(crafted_run):
    results = crafted_run.results
    assert results["status"] == "complete"
    assert results["environment"]["django"].startswith(("5.", "6."))
    assert results["environment"]["server"].startswith("SQLite ")


def test_an_unreachable_postgresql_gives_one_clear_line_and_an_error_file(tmp_path, run_suite):
    (tmp_path / "test_crafted.py").write_text(CHECKS)
    run = run_suite(
        "test_crafted.py",
        backend="postgresql",
        env={"CONFORMANCE_DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:1/kit"},
    )
    assert run.returncode == 3
    lines = [line for line in run.output.splitlines() if "cannot connect to PostgreSQL" in line]
    assert lines
    assert "postgresql://postgres:***@127.0.0.1:1/kit" in lines[0]
    assert "Fix:" in lines[0]
    assert run.results["status"] == "error"
    assert run.results["checks"] == []
    assert "hunter2" not in run.output
    assert "hunter2" not in run.results_path.read_text()


def test_a_url_that_is_not_postgresql_names_the_fix(tmp_path, run_suite):
    (tmp_path / "test_crafted.py").write_text(CHECKS)
    run = run_suite(
        "test_crafted.py",
        backend="postgresql",
        env={"CONFORMANCE_DATABASE_URL": "mysql://root@127.0.0.1/x"},
    )
    assert run.returncode != 0
    assert "is not a PostgreSQL URL" in run.output
    assert "Fix: use postgresql://" in run.output


# Every example diverges and takes a tenth of a second, so shrinking it unbounded would outlast
# the check's budget (Hypothesis' own limit is five minutes).
SLOW_TO_SHRINK = textwrap.dedent(
    """
    import time

    import pytest
    from hypothesis import given, strategies as st
    from conformance.runner.probe import Outcome
    from conformance.verdicts import Verdict

    @pytest.mark.conformance(feature="queryset.aget")
    @given(st.lists(st.integers(), min_size=30), st.text(min_size=30))
    def test_always_diverges(conformance, numbers, text):
        time.sleep(0.1)
        evidence = {
            "snippet": "await f()",
            "example": f"f({numbers!r}, {text!r})",
            "observed": {"kind": "value", "repr": "1"},
        }
        conformance.record(Outcome(Verdict.DIVERGES, evidence, "differs"), shrink=True)
    """
)


def test_a_divergence_slow_to_shrink_ends_as_diverges_within_the_check_budget(tmp_path, run_suite):
    (tmp_path / "test_shrinking.py").write_text(SLOW_TO_SHRINK)
    run = run_suite("test_shrinking.py", "--conformance-timeout=9", "--hypothesis-seed=0")
    assert run.results["status"] == "complete", run.output[-2000:]
    assert run.feature("queryset.aget")["verdict"] == "diverges"
