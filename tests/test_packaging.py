"""The wheel a user installs holds everything the suite imports."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Build the wheel once, with the uv the tests run with: hatchling comes from uv's cache."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "uv", "build", "--wheel", "--out-dir", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    (wheel,) = Path(out).glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_ships_the_runner(wheel_names):
    assert "conformance/runner/probe.py" in wheel_names


def test_the_wheel_ships_the_testapp_the_suite_imports(wheel_names):
    assert "testapp/models.py" in wheel_names
