"""Merge the per-session results files into one matrix, from the files alone.

The files are the whole input: each names its cell and the cell's column (label, server family,
stock or add-on), so the merge never asks the matrix or a backends file, and the same files
merge to the same bytes on any machine. Every cell with a file appears, whatever happened to it:
``complete``, ``incomplete`` (the session stopped part-way), ``error`` (it could not run its
checks), ``invalid`` (its results file is unreadable) or ``not-run`` (the session decided not to
run, or failed before its suite started: nox writes that file first). A feature's cell in a
session that did not complete is ``error`` or ``not-run``, never ``absent``: "no" never blurs
into "not measured".
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from packaging.version import Version

from conformance.features import (
    AREAS,
    FEATURES,
    Feature,
    describe,
    is_surface_member,
    member_of,
)
from conformance.headline import headline_rank
from conformance.report.claims import audit, sync_to_async_table
from conformance.report.columns import column_changes
from conformance.report.view import (
    Cell,
    Merged,
    cell_named,
    cell_order,
    column,
    measured,
    series_version,
    span,
)
from conformance.report.view import Feature as MergedFeature
from conformance.results import SESSION_SCHEMA, ResultsFileError, read_results
from conformance.verdicts import Verdict

MERGED_SCHEMA_VERSION = 1
NOT_RUN = Verdict.NOT_RUN.value  # a cell state as well as a verdict
DIVERGES = Verdict.DIVERGES.value
# How many diverging calls a divergence lists: enough to see a pattern, few enough to read.
DIVERGING_CALLS_LIMIT = 20
# Every environment key the session schema knows, so a cell that never ran has them all (None).
ENVIRONMENT_KEYS = tuple(SESSION_SCHEMA["properties"]["environment"]["properties"])


MERGED_SCHEMA: dict[str, Any] = json.loads(
    files("conformance.report").joinpath("merged-schema.json").read_text("utf-8")
)


class MergedSchemaError(Exception):
    """A merged document that breaks its own schema: a bug in the kit, named with its place."""


def validate_merged(merged: Merged) -> None:
    """Raise ``MergedSchemaError`` unless ``merged`` follows ``merged-schema.json``: readers of
    results.json (CI jobs, a baseline diff, the scan) rely on that shape."""
    import jsonschema  # as results.validate: only the report step needs it

    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(MERGED_SCHEMA).iter_errors(merged)
    )
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise MergedSchemaError(
            f"results.json would break its schema at {where}: {error.message}. Fix: this is "
            "a bug in the kit's merge (conformance/report/merge.py); please report it with "
            "the session files."
        )


def load_sessions(directory: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The readable results files by cell id, and the unreadable ones with their errors."""
    sessions: dict[str, dict[str, Any]] = {}
    problems: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")) if directory.is_dir() else []:
        try:
            document = read_results(path)
        except ResultsFileError as exc:
            problems[path.stem] = str(exc)
            continue
        sessions[document["cell"]["id"]] = document | {"source": path.name}
    return sessions, problems


def _cell_entry(cell_id: str, cell: dict[str, Any], document: dict | None, problem: str | None):
    if problem is not None:
        state, error = "invalid", problem
    elif document is None:
        state, error = (
            NOT_RUN,
            "no results file: the session did not run or failed before its suite started",
        )
    else:
        state, error = document["status"], document["error"]
    return {
        "id": cell_id,
        "django_series": cell["django_series"],
        "backend": cell["backend"],
        # a pre-release or a Django source is shown, never folded into "since" or claims
        "channel": cell.get("channel", "release"),
        "label": cell.get("label"),
        "column": column(cell),
        "state": state,
        "error": error,
        "environment": dict.fromkeys(ENVIRONMENT_KEYS) | (document or {}).get("environment", {}),
        "started_at": document["started_at"] if document else None,
        "duration_s": document.get("duration_s") if document else None,
        "source": document.get("source") if document else None,
        "surface": _coverage(document) if document else None,
    }


def _coverage(document: dict[str, Any]) -> dict[str, Any] | None:
    """How much of the discovered async surface the session's checks covered, and how hard."""
    surface = document.get("surface")
    if surface is None:
        return None
    members, untested = surface["members"], surface["untested"]
    share = 100.0 if not members else 100.0 * (len(members) - len(untested)) / len(members)
    return {
        "members": len(members),
        "untested": untested,
        "coverage_percent": round(share, 1),
        "protocols": surface["protocols"],
        "tried": _tried(document["checks"]),
    }


def _tried(checks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per surface member, the calls its grid tried, what they varied and how the signatures
    differ: how hard each member was exercised, in a few numbers and words, so the coverage can
    be read without digging through the evidence and without a second copy of it."""
    found = {}
    for check in checks:
        evidence = check["evidence"] or {}
        if "tried" in evidence:  # only the grid check of a member records what it tried
            found[check["feature"]] = {
                "calls": evidence["tried"].get("calls"),
                "varied": evidence["tried"].get("varied", []),
                "differences": (evidence.get("signature") or {}).get("differences", []),
            }
    return found


def _feature_cell(cell: dict[str, Any], document: dict | None, feature_id: str) -> dict[str, Any]:
    """The verdict of one feature in one cell that has no check of it: the cell's own state,
    or ``absent`` when the session introspected its surface and the member was not there."""
    if cell["state"] == NOT_RUN:
        notes = [cell["error"]] if document is not None and cell["error"] else []
        return {"verdict": NOT_RUN, "notes": notes, "checks": []}
    if cell["state"] in {"invalid", "error", "incomplete"}:
        return {"verdict": Verdict.ERROR.value, "notes": [cell["error"]], "checks": []}
    surface = (document or {}).get("surface")
    # Absent only when the session looked and did not find it: a narrower run (``-k``) that
    # skipped a member it found says nothing about the member.
    member = member_of(feature_id)
    if surface is not None and is_surface_member(member) and member not in surface["members"]:
        note = "not in this release's async surface (found by introspection)"
        return {"verdict": Verdict.ABSENT.value, "notes": [note], "checks": []}
    return {"verdict": NOT_RUN, "notes": ["this session has no check of the feature"], "checks": []}


def since(feature_cells: dict[str, dict[str, Any]], cell_list: list[dict[str, Any]], backend: str):
    """The first release from which the feature is native on ``backend`` and stays native.

    Like browser-compat-data's ``version_added``: ``None`` when it is not native in the newest
    measured release; ``floor`` is set when it is native in the oldest release ``backend`` has a
    cell of, so the report can say "that release or earlier": an add-on made for Django 6.1 alone
    was never measured on 6.0, so its 6.1 is a floor too, never "since 6.1".
    """
    releases = [cell for cell in cell_list if cell.get("channel", "release") == "release"]
    on_backend = [cell for cell in releases if cell["backend"] == backend]
    found = measured({"cells": feature_cells}, on_backend)
    found.sort(key=lambda pair: series_version(pair[0]["django_series"]))
    first = None
    for cell, verdict in found:
        first = first or cell["django_series"] if verdict == Verdict.NATIVE.value else None
    if first is None:
        return None
    oldest = span(cell["django_series"] for cell in on_backend)["first"]
    return {"series": first, "floor": first == oldest}


# A diverging check and the cell it ran in.
Diverging = tuple[dict[str, Any], dict[str, Any]]


def _headline(found: Diverging) -> tuple[bool, tuple[int, int, int]]:
    """The most ordinary visible call leads (``headline_rank``); a check without an example
    comes after every example."""
    evidence = found[1]["evidence"]
    return (evidence.get("example") is None, headline_rank(evidence))


def _calls(diverging: list[Diverging]) -> list[str]:
    """Every diverging call of every cell, once each, shortest first so the cap keeps the
    smallest ones."""
    calls = {
        call for _, check in diverging for call in check["evidence"].get("diverging_calls", [])
    }
    return sorted(calls, key=lambda call: (len(call), call))[:DIVERGING_CALLS_LIMIT]


# What each side of a call may have done besides its value, as the evidence names it, and how
# the report says it.
SIDES = {"hooks": "your code that ran", "warnings": "warnings", "query_counts": "queries"}


def _side_text(found: Any) -> str:
    if isinstance(found, dict):
        return ", ".join(f"{key} {value}" for key, value in found.items()) or "none"
    return "; ".join(str(item) for item in found or []) or "none"


def _outcome_text(found: dict[str, Any] | None) -> str:
    if not found:
        return "not recorded"
    if found.get("kind") == "exception":
        return f"raised {found.get('type') or '?'}: {found.get('message') or found['repr']}"
    return found["repr"]


def differences(evidence: dict[str, Any]) -> list[dict[str, str]]:
    """What differs between the async call and its sync twin on the headline call, each as
    {what, async, sync}: the value or exception, the user code that ran (and in which order),
    the rows left behind, warnings and queries. Listed even when the values print the same,
    where the difference is only in what ran on the way."""
    found = []
    observed, twin = evidence.get("observed"), evidence.get("sync_twin")
    if twin is not None and observed != twin:
        found.append(
            {"what": "result", "async": _outcome_text(observed), "sync": _outcome_text(twin)}
        )
    for key, what in SIDES.items():
        sides = evidence.get(key) or {}
        if sides.get("async") != sides.get("sync"):
            async_side, sync_side = sides.get("async"), sides.get("sync")
            same_items = sorted(map(str, async_side or [])) == sorted(map(str, sync_side or []))
            order = " (the same, in another order)" if key == "hooks" and same_items else ""
            found.append(
                {
                    "what": what + order,
                    "async": _side_text(async_side),
                    "sync": _side_text(sync_side),
                }
            )
    database = evidence.get("database") or {}
    if database.get("after_async") != database.get("after_sync"):
        found.append(
            {
                "what": "rows afterwards",
                "async": str(database.get("after_async")),
                "sync": str(database.get("after_sync")),
            }
        )
    return found


def divergence(feature: dict[str, Any], cell_list: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Where ``feature`` disagrees with its sync twin, and the most ordinary call that shows it.

    A divergence is Django's own behaviour, found by the kit, so the report leads with it: the
    complete cells where it holds, the first and last release (also per backend, since the
    backends may differ), the headline call across cells (``headline_rank``; the oldest cell's
    on a tie) with both of its outcomes, its reason, and the other calls that diverge. ``None`` when
    it never diverges.
    """
    cells_found = [
        cell
        for cell in cell_list
        if cell["state"] == "complete" and feature["cells"][cell["id"]]["verdict"] == DIVERGES
    ]
    if not cells_found:
        return None
    diverging = [
        (cell, check)
        for cell in cells_found
        for check in feature["cells"][cell["id"]]["checks"]
        if check["verdict"] == DIVERGES and check["evidence"]
    ]
    cell, check = min(diverging, key=_headline, default=(cells_found[0], {}))
    evidence = check.get("evidence") or {}
    notes = check.get("notes") or feature["cells"][cell["id"]]["notes"]
    backends = dict.fromkeys(found["backend"] for found in cells_found)
    return {
        "feature": feature["id"],
        "title": feature["title"],
        "area": feature["area"],
        "cells": [found["id"] for found in cells_found],
        **span([found["django_series"] for found in cells_found]),
        "by_backend": {
            backend: span([f["django_series"] for f in cells_found if f["backend"] == backend])
            for backend in backends
        },
        "example": evidence.get("example"),
        "example_cell": cell["id"],
        # the async code that does what the sync twin does, when the kit ran it and it did
        "instead": instead if (instead := evidence.get("instead") or {}).get("works") else None,
        "observed": evidence.get("observed"),
        "sync_twin": evidence.get("sync_twin"),
        # what differs on the headline call itself, else the feature's first note
        "reason": evidence.get("reason") or (notes[0] if notes else None),
        "differs": differences(evidence),
        "diverging_calls": _calls(diverging),
    }


def _placeholder(path: Path) -> dict[str, Any]:
    """The cell of an unreadable results file: what its own ``cell`` says when the JSON is
    readable that far, else what its name says (``django-5.2-sqlite.json``)."""
    name = path.stem
    try:
        found = json.loads(path.read_text("utf-8"))["cell"]
        if isinstance(found, dict) and {"id", "django_series", "backend"} <= set(found):
            return found
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return cell_named(name)


def _add_on(feature_cells: dict[str, Any], cell_list: list[Cell]) -> list[str]:
    """The add-on backends whose own API a feature is: no stock cell found it while an add-on
    column did, or no stock cell measured it at all (every stock session skipped it as not its
    column's) while an add-on column measured it, even as absent. Such a feature is never shown
    as stock Django's: a feature that exists only with an add-on has no stock verdict."""
    found = measured({"cells": feature_cells}, cell_list, complete_only=True)
    stock = [verdict for cell, verdict in found if column(cell)["stock"]]
    if any(verdict != Verdict.ABSENT.value for verdict in stock):
        return []
    add_ons = [(cell["backend"], verdict) for cell, verdict in found if not column(cell)["stock"]]
    present = {backend for backend, verdict in add_ons if verdict != Verdict.ABSENT.value}
    if present:
        return sorted(present)
    # Measured by an add-on only, and not there: still its own API, never stock Django's.
    return [] if stock else sorted({backend for backend, _ in add_ons})


def merge(directory: Path) -> Merged:
    """The merged matrix of every results file in ``directory``: a function of the files."""
    sessions, problems = load_sessions(directory)
    described = {cell_id: document["cell"] for cell_id, document in sessions.items()}
    for name in problems:
        described.setdefault(name, _placeholder(directory / f"{name}.json"))
    cell_list = sorted(
        (
            _cell_entry(cell_id, cell, sessions.get(cell_id), problems.get(cell_id))
            for cell_id, cell in described.items()
        ),
        key=cell_order,
    )
    backend_names = list(dict.fromkeys(cell["backend"] for cell in cell_list))
    checks_by_cell: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for cell_id, document in sessions.items():
        for check in document["checks"]:
            checks_by_cell.setdefault(cell_id, {}).setdefault(check["feature"], []).append(check)

    feature_ids = set(FEATURES)
    for document in sessions.values():
        feature_ids.update(document["features"])
    features: list[MergedFeature] = []
    for feature_id in sorted(feature_ids, key=_feature_order):
        known = describe(feature_id) or Feature(feature_id, feature_id, "other", "method", "")
        feature_cells = {}
        for cell in cell_list:
            document = sessions.get(cell["id"])
            found = document["features"].get(feature_id) if document else None
            if found and cell["state"] == "complete":
                feature_cells[cell["id"]] = {
                    "verdict": found["verdict"],
                    "notes": found["notes"],
                    "checks": checks_by_cell.get(cell["id"], {}).get(feature_id, []),
                }
            else:
                feature_cells[cell["id"]] = _feature_cell(cell, document, feature_id)
        features.append(
            {
                "id": known.id,
                "title": known.title,
                "area": known.area,
                "kind": known.kind,
                "ref": known.ref,
                "since": {b: since(feature_cells, cell_list, b) for b in backend_names},
                "cells": feature_cells,
                "add_on": _add_on(feature_cells, cell_list),
            }
        )
    for cell in cell_list:
        cell["counts"] = dict(Counter(f["cells"][cell["id"]]["verdict"] for f in features))
    finished = [d.get("finished_at") or d["started_at"] for d in sessions.values()]
    merged: Merged = {
        "schema_version": MERGED_SCHEMA_VERSION,
        # the newest result's time, not the clock's: the same files merge to the same bytes
        "generated_at": max(finished, key=_instant, default=EPOCH),
        "cells": cell_list,
        "features": features,
        "problems": [f"{name}: {message}" for name, message in sorted(problems.items())],
        "claims": audit(features, cell_list),
        # features are in area order, then by id: so are their divergences
        "divergences": [
            found for feature in features if (found := divergence(feature, cell_list)) is not None
        ],
    }
    merged["surface_apis"] = surface_apis(cell_list, sessions)
    merged["sync_to_async"] = sync_to_async_table(merged)
    merged["columns"] = column_changes(merged)
    return merged


EPOCH = "1970-01-01T00:00:00+00:00"


def _instant(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp)


def _release_of(cell: dict[str, Any]) -> str:
    channel = cell.get("channel", "release")
    return cell["django_series"] + ("" if channel == "release" else f" ({channel})")


_COVERAGE_ORDER = ("checked", "not covered", "unaccounted")


def surface_apis(
    cell_list: list[dict[str, Any]], sessions: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Every async API the walks of Django found, with how each release covers it: checked
    (by which features, in any of its cells), else not covered (why), else unaccounted."""
    releases: list[str] = []
    rows: dict[str, dict[str, Any]] = {}
    for cell in cell_list:
        document = sessions.get(cell["id"])
        walked = ((document or {}).get("surface") or {}).get("apis")
        if cell["state"] != "complete" or walked is None:
            continue
        release = _release_of(cell)
        if release not in releases:
            releases.append(release)
        for api in walked:
            row = rows.setdefault(
                api["api"],
                {"api": api["api"], "kind": api["kind"], "twin": api.get("twin"), "in": {}},
            )
            found = {key: api.get(key) or "" for key in ("status", "reason", "how")}
            found["features"] = list(api["features"])
            known = row["in"].get(release)
            if known is None or _COVERAGE_ORDER.index(found["status"]) < _COVERAGE_ORDER.index(
                known["status"]
            ):
                row["in"][release] = found
            elif found["status"] == known["status"] == "checked":
                known["features"] = sorted({*known["features"], *found["features"]})
    ordered = sorted(releases, key=lambda name: Version(name.split(" ")[0]), reverse=True)
    return {"releases": ordered, "apis": [rows[name] for name in sorted(rows)]}


def _feature_order(feature_id: str) -> tuple[int, str]:
    known = describe(feature_id)
    area = AREAS.index(known.area) if known and known.area in AREAS else len(AREAS)
    return (area, feature_id)
