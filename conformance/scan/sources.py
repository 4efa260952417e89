"""Which files the scan reads, and how: as Python itself reads source.

Folders that hold other people's code or generated files are left out by name; the run says
which it left out, so a project living under ``build/`` is one ``--include build`` away.
Source is decoded the way the interpreter does (a UTF-8 BOM, a PEP 263 coding line), so a file
Python runs is a file the scan reads.
"""

from __future__ import annotations

import ast
import fnmatch
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Folders that hold other people's code or generated files, never the project's own.
DEFAULT_EXCLUDED = frozenset(
    {".git", ".hg", ".nox", ".tox", ".venv", "venv", "env", "node_modules", "site-packages",
     "__pycache__", "migrations", "build", "dist"}
)  # fmt: skip


@dataclass
class FileSet:
    """The ``.py`` files to scan, and the excluded folders that held more of them."""

    files: list[Path] = field(default_factory=list)
    excluded: set[Path] = field(default_factory=set)


def excluded_names(include: Iterable[str] = (), exclude: Iterable[str] = ()) -> frozenset[str]:
    """The default folder names left out, minus ``include``, plus ``exclude`` (glob patterns)."""
    return (DEFAULT_EXCLUDED - set(include)) | set(exclude)


def _excluded_part(relative: Path, patterns: frozenset[str]) -> int | None:
    """Index of the first folder of ``relative`` matching a pattern (a name or a glob)."""
    for index, part in enumerate(relative.parts[:-1]):
        if any(fnmatch.fnmatchcase(part, pattern) for pattern in patterns):
            return index
    return None


def python_files(paths: Iterable[Path], excluded: frozenset[str] = DEFAULT_EXCLUDED) -> FileSet:
    """The ``.py`` files under ``paths`` (a file passed by name is always read)."""
    found = FileSet()
    for path in paths:
        if path.is_file():
            found.files.append(path)
            continue
        for candidate in sorted(path.rglob("*.py")):
            relative = candidate.relative_to(path)
            index = _excluded_part(relative, excluded)
            if index is None:
                found.files.append(candidate)
            else:
                found.excluded.add(path.joinpath(*relative.parts[: index + 1]))
    return found


def read_source(path: Path) -> str:
    """The file's text decoded as the interpreter would (BOM, ``# -*- coding: ... -*-``)."""
    with tokenize.open(path) as handle:
        return handle.read()


def parse_source(path: Path) -> tuple[ast.Module | None, str | None]:
    """The module, or why it could not be parsed (one line, for the list of skipped files)."""
    try:
        source = read_source(path)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:  # tokenize's encoding check
        reason = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        return None, f"cannot be decoded ({reason}); add a coding line or save it as UTF-8"
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    try:
        return ast.parse(source, filename=str(path)), None
    except SyntaxError as exc:
        return None, f"syntax error line {exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, f"cannot be parsed ({exc.__class__.__name__}: {exc})"
