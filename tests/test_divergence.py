"""Faults injected into Django are found, whatever the seed, and reported as findings.

Each fault replaces one async method with a subtly wrong one (a pytest plugin loaded into the
suite's own process, applied once Django is set up) and runs the real check for it twice,
with two different Hypothesis seeds. The grid of calls is fixed, so both runs must find the
fault: calls that diverge with it and not without it (Django's own divergences, found in the
run without the fault, do not count).
"""

from __future__ import annotations

import json
import textwrap
import time

import pytest

from conformance.runner.watchdog import hang_file, settle
from tests.conftest import ROOT, run_suite_in

SURFACE = "conformance/runner/suite/test_surface.py::test_async_member_matches_its_sync_twin"
PROPERTIES = str(ROOT / "conformance/runner/suite/test_properties.py")


def _surface(feature: str) -> str:
    return str(ROOT / f"{SURFACE}[{feature}]")


FAULTS = {
    "acount wrong only for sliced querysets": (
        "queryset.acount",
        _surface("queryset.acount"),
        """
        original = QuerySet.acount

        async def acount(self):
            found = await original(self)
            return found + 1 if self.query.is_sliced else found

        QuerySet.acount = acount
        """,
    ),
    "aiterator drops its last chunk": (
        "queryset.aiterator",
        _surface("queryset.aiterator"),
        """
        original = QuerySet.aiterator

        async def aiterator(self, chunk_size=2000):
            rows = [row async for row in original(self, chunk_size=chunk_size)]
            last = len(rows) % chunk_size or chunk_size
            for row in rows[: len(rows) - last]:
                yield row

        QuerySet.aiterator = aiterator
        """,
    ),
    "asave ignores update_fields": (
        "model.asave",
        _surface("model.asave"),
        """
        from django.db.models import Model

        async def asave(self, *args, update_fields=None, **kwargs):
            return await sync_to_async(self.save)(*args, **kwargs)

        Model.asave = asave
        """,
    ),
    "aadd skips m2m_changed": (
        "related.m2m.aadd",
        _surface("related.m2m.aadd"),
        """
        from unittest import mock

        from django.db.models import signals
        from testapp.models import Article

        async def aadd(self, *objs, through_defaults=None):
            with mock.patch.object(signals.m2m_changed, "send", lambda *a, **k: []):
                return await sync_to_async(self.add)(*objs, through_defaults=through_defaults)

        Article.tags.related_manager_cls.aadd = aadd
        """,
    ),
    # Wrong only for one combination of two arguments: a missing key and its defaults.
    "aget_or_create ignores defaults only when it creates": (
        "queryset.aget_or_create",
        _surface("queryset.aget_or_create"),
        """
        original = QuerySet.aget_or_create

        async def aget_or_create(self, defaults=None, **kwargs):
            try:
                return await self.aget(**kwargs), False
            except self.model.DoesNotExist:
                return await original(self, **kwargs)

        QuerySet.aget_or_create = aget_or_create
        """,
    ),
    # A warning is the call's when it comes from the call's work, in whichever thread that ran.
    "acount warns from a thread of its own": (
        "queryset.acount",
        _surface("queryset.acount"),
        """
        import warnings

        original = QuerySet.acount

        async def acount(self):
            warn = sync_to_async(warnings.warn, thread_sensitive=False)
            await warn("counted elsewhere", DeprecationWarning)
            return await original(self)

        QuerySet.acount = acount
        """,
    ),
    # The property checks too: Hypothesis' shrunk example is the evidence.
    "aget ignores its filters": (
        "queryset.aget",
        f"{PROPERTIES}::test_reading_method_matches_its_twin_on_generated_data[queryset.aget]",
        """
        async def aget(self, *args, **kwargs):
            first = self.model._default_manager.order_by("pk")[:1]
            return await sync_to_async(first.get)()

        QuerySet.aget = aget
        """,
    ),
}


def _plugin(directory, body: str) -> None:
    (directory / "breakage.py").write_text(
        "from asgiref.sync import sync_to_async\n"
        "from django.db.models import QuerySet\n\n\n"
        "def pytest_sessionstart(session):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    )


NOISY = ("queryset.acount", "related.m2m.aset", "model.asave", "queryset.aupdate_or_create")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One run, without any fault, of every check the faults and the noise below touch."""
    selection = {selection for _, selection, _ in FAULTS.values()}
    selection |= {_surface(feature) for feature in NOISY}
    return run_suite_in(tmp_path_factory.mktemp("clean"), *sorted(selection))


@pytest.fixture(scope="module", params=list(FAULTS), ids=list(FAULTS))
def fault(request, tmp_path_factory, clean):
    """The fault's feature, then its check run with the fault under two seeds, and without."""
    feature, selection, body = FAULTS[request.param]
    runs = []
    for seed in ("1", "2"):
        directory = tmp_path_factory.mktemp("broken")
        _plugin(directory, body)
        runs.append(
            run_suite_in(directory, selection, "-p", "breakage", f"--hypothesis-seed={seed}")
        )
    return feature, runs, clean


def _diverging(run, feature: str) -> set[str]:
    """The calls the run found diverging for the feature (Django's own ones included)."""
    return {
        call
        for check in run.results["checks"]
        if check["feature"] == feature and check["evidence"]
        for call in check["evidence"].get("diverging_calls", [])
    }


def test_the_fault_is_found_under_every_seed(fault):
    feature, runs, clean = fault
    assert [run.feature(feature)["verdict"] for run in runs] == ["diverges", "diverges"]
    found = [_diverging(run, feature) - _diverging(clean, feature) for run in runs]
    assert all(found), "the fault added no diverging call of its own"


def test_a_divergence_is_a_finding_not_a_failed_run(fault):
    _, runs, _ = fault
    assert [run.returncode for run in runs] == [0, 0], runs[0].output[-2000:]


def test_the_evidence_is_a_real_call_with_both_outcomes(fault):
    feature, runs, _ = fault
    (check,) = [
        c
        for c in runs[0].results["checks"]
        if c["feature"] == feature and c["verdict"] == "diverges"
    ]
    evidence = check["evidence"]
    assert evidence["example"]
    assert evidence["sync_twin"] is not None
    differs = [
        evidence["observed"] != evidence["sync_twin"],
        "database" in evidence,
        evidence.get("hooks", {}).get("sync") != evidence.get("hooks", {}).get("async"),
        evidence.get("warnings", {}).get("sync") != evidence.get("warnings", {}).get("async"),
    ]
    assert any(differs)


NOISE = """
import threading
import time
import warnings

from testapp import hooks


def noise():
    # What a thread the calls did not start can do at any moment: an in-process server's
    # request thread ending warns about its SQLite connection, or finishes a save.
    while True:
        warnings.warn("unclosed database", ResourceWarning)
        hooks.note("signal", "post_save", "testapp.Article", True, False, None)
        time.sleep(0.0005)


threading.Thread(target=noise, name="noise", daemon=True).start()
"""


@pytest.fixture(scope="module")
def noisy_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("noisy")
    _plugin(directory, NOISE)
    return run_suite_in(directory, *[_surface(feature) for feature in NOISY], "-p", "breakage")


def test_warnings_and_hooks_of_other_threads_are_not_the_calls(noisy_run, clean):
    runs = (noisy_run, clean)
    verdicts = [[run.feature(feature)["verdict"] for feature in NOISY] for run in runs]
    assert verdicts[0] == verdicts[1], [c["notes"] for c in noisy_run.results["checks"]]
    assert noisy_run.returncode == clean.returncode == 0, noisy_run.output[-2000:]


HANG = """
async def aexists(self):
    return True  # every new session key looks taken: SessionStore.acreate() never returns

QuerySet.aexists = aexists
"""


@pytest.fixture(scope="module")
def hung_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("hung")
    _plugin(directory, HANG)
    selection = [_surface(f) for f in ("sessions.db-store.acreate", "queryset.acount")]
    return run_suite_in(directory, *selection, "-p", "breakage", "--conformance-timeout=3")


def test_a_check_that_never_returns_ends_as_a_timeout(hung_run):
    found = hung_run.feature("sessions.db-store.acreate")
    assert found["verdict"] == "error"
    assert found["notes"][0].startswith("timeout: the check ran past its time budget of 3 s")
    assert "stuck at:" in found["notes"][1]


def test_a_timeout_stops_the_session_with_a_results_file_that_says_so(hung_run):
    assert hung_run.results["status"] == "error"
    assert "ran past its time budget of 3 s, so the session stopped" in hung_run.results["error"]
    assert "queryset.acount" not in hung_run.results["features"]


DEADLOCK = """
import ctypes

async def aexists(self):
    ctypes.PyDLL(None).sleep(600)  # blocks in C with the GIL held, as a driver deadlock does

QuerySet.aexists = aexists
"""


@pytest.fixture(scope="module")
def deadlocked_run(tmp_path_factory):
    """A check stuck in C with the GIL held, where no signal handler can run; then what the nox
    session makes of it (``settle``)."""
    directory = tmp_path_factory.mktemp("deadlocked")
    _plugin(directory, DEADLOCK)
    selection = [_surface(f) for f in ("sessions.db-store.acreate", "queryset.acount")]
    started = time.monotonic()
    run = run_suite_in(
        directory, *selection, "-p", "breakage", "--conformance-timeout=2",
        "--conformance-hang-limit=4",
    )  # fmt: skip
    return run, time.monotonic() - started, settle(run.results_path)


def test_a_session_stuck_in_c_is_stopped_at_the_hang_limit(deadlocked_run):
    run, took, _ = deadlocked_run
    assert run.returncode != 0
    assert took < 60, f"the session ran {took:.0f} s"


def test_a_stopped_session_says_where_it_hung(deadlocked_run):
    run, _, error = deadlocked_run
    assert error.startswith("the session hung and was stopped: ")
    assert error.endswith("[sessions.db-store.acreate] (call) did not end within 4 s")
    results = json.loads(run.results_path.read_text())
    assert results["status"] == "error"
    assert "in aexists" in results["error"], results["error"]
    assert not hang_file(run.results_path).exists()


def test_a_session_that_ends_leaves_no_hang_file(hung_run):
    assert not hang_file(hung_run.results_path).exists()
    assert settle(hung_run.results_path) is None
