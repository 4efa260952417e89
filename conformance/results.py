"""The results file: one per session, the contract between the suite and the report.

Files are validated against a versioned JSON Schema when written and when read, and written
atomically (temporary file, then rename) so a crash leaves the old file or the new one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conformance.verdicts import SESSION_VERDICTS

SCHEMA_VERSION = 1

_OBSERVATION = {
    "type": "object",
    "required": ["kind", "repr"],
    "properties": {
        "kind": {"enum": ["value", "exception", "absent"]},
        "repr": {"type": "string"},
        "type": {"type": ["string", "null"]},
        "message": {"type": ["string", "null"]},
    },
}

_EVIDENCE = {
    "type": "object",
    "required": ["snippet", "observed"],
    "properties": {
        "snippet": {"type": "string"},
        "observed": _OBSERVATION,
        "wrapped": {"oneOf": [{"type": "null"}, _OBSERVATION]},
        "sync_twin": {"oneOf": [{"type": "null"}, _OBSERVATION]},
        "example": {"type": ["string", "null"]},
        "examples": {"type": ["integer", "null"], "minimum": 0},
        "queries": {"type": ["integer", "null"], "minimum": 0},
        "measurements": {"type": "object"},
        # what else each side did: warning categories, queries by kind, the user hooks that ran
        "warnings": {"type": "object"},
        "query_counts": {"type": "object"},
        "hooks": {"type": "object"},
        # a grid check: the calls it tried, and both members' signatures
        "tried": {"type": "object"},
        "diverging_calls": {"type": "array", "items": {"type": "string"}},
        "signature": {"type": "object"},
        "database": {
            "type": "object",
            "required": ["tables", "after_sync", "after_async"],
            "properties": {
                "tables": {"type": "array", "items": {"type": "string"}},
                "after_sync": {"type": "string"},
                "after_async": {"type": "string"},
            },
        },
    },
}

_VERDICT = {"enum": [verdict.value for verdict in SESSION_VERDICTS]}

# A cell's column as the report needs it: its name as people say it, the server family it talks
# to, whether it is stock Django (SQLite, PostgreSQL, MariaDB) or adds a package or settings (an
# add-on, never merged with a stock column), and the add-on's packages with their installed
# versions ("django-async-backend 6.1.0").
COLUMN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["label", "family", "stock", "packages"],
    "properties": {
        "label": {"type": "string", "minLength": 1},
        "family": {"enum": ["sqlite", "postgresql", "mariadb"]},
        "stock": {"type": "boolean"},
        "packages": {"type": "array", "items": {"type": "string"}},
    },
}

SESSION_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://django-async-conformance/schemas/session-1.json",
    "title": "Conformance session results",
    "type": "object",
    "required": [
        "schema_version",
        "cell",
        "status",
        "error",
        "environment",
        "started_at",
        "finished_at",
        "features",
        "checks",
    ],
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "cell": {
            "type": "object",
            "required": ["id", "django_series", "backend"],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "django_series": {"type": "string"},
                "backend": {"type": "string", "minLength": 1},
                "channel": {"enum": ["release", "pre-release", "source"]},
                "label": {"type": ["string", "null"]},
                # the column the cell belongs to, so the report needs no backends file
                "column": COLUMN_SCHEMA,
            },
        },
        # not-run: the session decided not to run (e.g. no MariaDB server); ``error`` says why
        "status": {"enum": ["complete", "incomplete", "error", "not-run"]},
        "error": {"type": ["string", "null"]},
        "environment": {
            "type": "object",
            "required": ["django", "python", "driver", "server"],
            "properties": {
                "django": {"type": ["string", "null"]},
                "python": {"type": "string"},
                "driver": {"type": ["string", "null"]},
                "server": {"type": ["string", "null"]},
                "database_url": {"type": ["string", "null"]},
                # a column's own DATABASES settings (ENGINE, OPTIONS...), secrets masked
                "backend_settings": {"type": ["object", "null"]},
                "hypothesis_profile": {"type": ["string", "null"]},
                "hypothesis_seed": {"type": ["string", "null"]},
                "timeout_s": {"type": ["number", "null"]},
                "platform": {"type": "string"},
            },
        },
        "started_at": {"type": "string"},
        "finished_at": {"type": ["string", "null"]},
        "duration_s": {"type": ["number", "null"]},
        "timings": {
            "type": "object",
            "properties": {"database_setup_s": {"type": "number", "minimum": 0}},
        },
        "surface": {
            "type": "object",
            "required": ["members", "protocols", "untested"],
            "properties": {
                "members": {"type": "array", "items": {"type": "string"}},
                "protocols": {"type": "object", "additionalProperties": {"type": "boolean"}},
                "untested": {"type": "array", "items": {"type": "string"}},
                # every public async API the walk of Django found, and how the kit covers it
                "apis": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["api", "kind", "status", "features", "reason"],
                        "properties": {
                            "api": {"type": "string"},
                            "kind": {"type": "string"},
                            "twin": {"type": ["string", "null"]},
                            "defined_by": {"type": "string"},
                            "status": {"enum": ["checked", "not covered", "unaccounted"]},
                            "features": {"type": "array", "items": {"type": "string"}},
                            "how": {"type": "string"},
                            "reason": {"type": "string"},
                        },
                    },
                },
                "unaccounted": {"type": "array", "items": {"type": "string"}},
                "skipped_modules": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["module", "reason"],
                        "properties": {"module": {"type": "string"}, "reason": {"type": "string"}},
                    },
                },
                "modules_walked": {"type": "integer", "minimum": 0},
            },
        },
        "features": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["verdict", "checks", "notes"],
                "properties": {
                    "verdict": _VERDICT,
                    "checks": {"type": "array", "items": {"type": "string"}},
                    "notes": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "checks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "feature", "verdict", "outcome", "duration_s", "evidence"],
                "properties": {
                    "id": {"type": "string"},
                    "feature": {"type": "string"},
                    "ref": {"type": ["string", "null"]},
                    "claims": {"type": "array", "items": {"type": "string"}},
                    "verdict": _VERDICT,
                    "outcome": {"enum": ["passed", "failed", "skipped", "error"]},
                    "duration_s": {"type": "number", "minimum": 0},
                    "evidence": {"oneOf": [{"type": "null"}, _EVIDENCE]},
                    "notes": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


class ResultsFileError(Exception):
    """A results file that cannot be used; the message names the file, the problem and the fix."""


def validate(document: dict[str, Any], *, source: str = "results") -> None:
    """Raise ``ResultsFileError`` unless ``document`` follows the session schema."""
    import jsonschema  # imported here: the noxfile writes "not run" files without it

    version = document.get("schema_version") if isinstance(document, dict) else None
    if version != SCHEMA_VERSION:
        raise ResultsFileError(
            f"{source}: schema version {version!r} is not the supported version "
            f"{SCHEMA_VERSION}. Fix: re-run that session with this version of the kit."
        )
    try:
        jsonschema.validate(document, SESSION_SCHEMA)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(part) for part in exc.absolute_path) or "(top level)"
        raise ResultsFileError(
            f"{source}: does not follow the results schema at {where}: {exc.message}. "
            "Fix: re-run that session; results files are written only by the kit."
        ) from exc


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the whole new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp makes the file private; a report is for reading, like any file written plainly
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path, document: Any) -> None:
    """Write ``document`` as JSON, atomically (see ``write_text_atomically``)."""
    write_text_atomically(path, json.dumps(document, indent=1, ensure_ascii=False))


def not_run_results(cell: dict[str, Any], reason: str) -> dict[str, Any]:
    """The results of a session that decided not to run (no server for its backend, say)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return {
        "schema_version": SCHEMA_VERSION,
        "cell": cell,
        "status": "not-run",
        "error": reason,
        "environment": {
            "django": None,
            "python": platform.python_version(),
            "driver": None,
            "server": None,
            "platform": platform.platform(),
        },
        "started_at": now,
        "finished_at": now,
        "features": {},
        "checks": [],
    }


class UnreadableJSON(Exception):
    """A JSON file that is missing, unreadable or not JSON; the message names the file and why."""


def load_json(path: Path) -> Any:
    """The parsed content of ``path``; every way of failing becomes one ``UnreadableJSON``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UnreadableJSON(f"{path}: cannot be read (no such file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableJSON(f"{path}: cannot be read ({exc})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableJSON(
            f"{path}: is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc


def write_results(path: Path, document: dict[str, Any]) -> None:
    """Validate, then atomically write, one session's results."""
    validate(document, source=str(path))
    write_json_atomically(path, document)


def read_results(path: Path) -> dict[str, Any]:
    """Read and validate one session's results file."""
    try:
        document = load_json(path)
    except UnreadableJSON as exc:
        raise ResultsFileError(f"{exc}; it may be truncated. Fix: re-run that session.") from exc
    validate(document, source=str(path))
    return document


def fold_variant(main: Path, variant: Path) -> None:
    """Add a variant run's features and checks (``custom-user.*``) to the cell's results file,
    then remove the variant's file. A variant that did not complete adds what it recorded, and
    its error as a note of each of its features, never a silent gap; the cell's own status is
    the main run's."""
    document, extra = read_results(main), read_results(variant)
    if extra["status"] != "complete":
        note = f"the variant run did not complete: {extra['error']}"
        for found in extra["features"].values():
            found["notes"].append(note)
    document["features"] = dict(sorted({**document["features"], **extra["features"]}.items()))
    document["checks"] = [*document["checks"], *extra["checks"]]
    write_results(main, document)
    variant.unlink()


def main(argv: list[str] | None = None) -> int:
    """``python -m conformance.results fold MAIN VARIANT``, run in the cell's environment: the
    fold validates both files with jsonschema, which the nox process (``pip install nox``)
    does not have."""
    parser = argparse.ArgumentParser(prog="python -m conformance.results")
    commands = parser.add_subparsers(dest="command", required=True)
    fold = commands.add_parser("fold", help="fold a variant run into its cell's results file")
    fold.add_argument("main", type=Path)
    fold.add_argument("variant", type=Path)
    arguments = parser.parse_args(argv)
    try:
        fold_variant(arguments.main, arguments.variant)
    except ResultsFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
