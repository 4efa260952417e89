"""What the scanned project asks of the scan: ``[tool.conformance-scan]`` in its
``pyproject.toml``, and ``# conformance: ignore[...]`` comments on its lines.

The command line overrides the file, so a CI job can tighten a project's own defaults.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.scan.results import ScanError
from conformance.scan.sources import read_source

SECTION = "conformance-scan"
KEYS = {"release": str, "backend": str, "fail-on": list, "exclude": list, "include": list}
# ``# conformance: ignore`` or ``# conformance: ignore[queryset.aiterator, model.asave]``
SUPPRESSION = re.compile(r"#\s*conformance:\s*ignore(?:\[(?P<features>[^\]]*)\])?")


@dataclass(frozen=True)
class ProjectConfig:
    """The section's values (empty when the project has none) and the file they came from."""

    values: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None


def _pyproject_for(paths: list[Path]) -> Path | None:
    """The ``pyproject.toml`` of the first scanned path, or of its nearest parent holding one."""
    start = paths[0].resolve() if paths else Path.cwd()
    for folder in [start, *start.parents] if start.is_dir() else list(start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(paths: list[Path]) -> ProjectConfig:
    """``[tool.conformance-scan]`` of the scanned project, checked key by key."""
    pyproject = _pyproject_for(paths)
    if pyproject is None:
        return ProjectConfig()
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScanError(
            f"{pyproject}: not valid TOML ({exc}). Fix: correct the file, or scan a folder "
            "outside that project."
        ) from exc
    section = document.get("tool", {}).get(SECTION, {})
    for key, value in section.items():
        expected = KEYS.get(key)
        if expected is None or not isinstance(value, expected):
            allowed = ", ".join(f"{k} ({t.__name__})" for k, t in KEYS.items())
            raise ScanError(
                f"{pyproject}: [tool.{SECTION}] {key} = {value!r} is not understood. "
                f"Fix: use only {allowed}."
            )
    return ProjectConfig(section, pyproject)


def suppressed_features(path: str, line: int, cache: dict[str, list[str]]) -> set[str] | None:
    """What a line's ``# conformance: ignore`` comment silences: ``{"*"}`` for every feature,
    the listed ids otherwise, ``None`` when the line has no such comment."""
    if path not in cache:
        try:
            cache[path] = read_source(Path(path)).splitlines()
        except (OSError, SyntaxError, UnicodeDecodeError):
            cache[path] = []
    lines = cache[path]
    match = SUPPRESSION.search(lines[line - 1]) if 0 < line <= len(lines) else None
    if match is None:
        return None
    listed = match["features"]
    if listed is None:
        return {"*"}
    return {feature.strip() for feature in listed.split(",") if feature.strip()}
