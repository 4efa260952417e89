"""What the page shows, computed from the merged document: its columns and what each cell
shows, the sections' rows, and the compact data the page's script draws from.

Nothing here decides a verdict (the merge did) or writes markup (the templates do); nothing
here reads the matrix or a backends file: a cell's column is in the cell (``view.column``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.features import AREAS
from conformance.report.compare import CHANGE_KINDS, by_kind, change_kind
from conformance.report.labels import (
    ADD_ON_PAGES,
    CLAIM_STYLE,
    DIVERGES_MEANING,
    DOCS_ROOT,
    VERDICT_STYLE,
    add_on_label,
    add_on_page,
    area_label,
    docs_link,
    release_notes_link,
    short_backend,
)
from conformance.report.sharing import REF, Shared, share, unshare
from conformance.report.view import (
    backend_labels,
    column_group,
    measured,
    release_key,
    verdict,
)
from conformance.report.view import column as view_column


def cell_key(feature_id: str, cell_id: str) -> str:
    """The fragment of one feature's cell: the permalink the page opens the evidence for."""
    return f"{feature_id}--{cell_id}"


def area_groups(features: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Features grouped by area in the vocabulary's order, unknown areas last by name."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for feature in features:
        groups.setdefault(feature["area"], []).append(feature)
    return sorted(groups.items(), key=lambda item: _area_rank(item[0]))


def surface_members(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per member of the async surface, how its grid exercised it in the newest complete cell
    that ran it (cells are in matrix order, oldest release first), with that cell."""
    newest: dict[str, dict[str, Any]] = {}
    for cell in cells:
        if cell["state"] == "complete":
            for feature_id, tried in ((cell.get("surface") or {}).get("tried") or {}).items():
                newest[feature_id] = tried | {"feature": feature_id, "cell": cell}
    return [newest[feature_id] for feature_id in sorted(newest)]


def backends(cells: list[dict[str, Any]]) -> list[str]:
    """The backends of the matrix, in column order."""
    return list(dict.fromkeys(cell["backend"] for cell in cells))


def matrix_columns(merged: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The matrix's columns, newest release first: per release, one for its stock backends (one
    per session state, when a session did not complete), then one per add-on column: the
    default matrix's 22 cells (seven releases x three backends, and django-async-backend) fit
    one screen as eight columns. Stock Django and an add-on never share a column (``column_group``).

    Where a release's stock backends measure a feature differently, that one cell of the column
    shows each verdict with its backends (``column_cell``): split and marked only where they
    differ. Each column names its cells; a cell's links open the first cell of each verdict.
    """
    by_place: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for cell in merged["cells"]:
        by_place.setdefault((release_key(cell), column_group(cell)), []).append(cell)
    columns = []
    releases_newest_first = list(dict.fromkeys(series for series, _ in by_place))[::-1]
    for series in releases_newest_first:
        for (release, group_name), place_cells in by_place.items():
            if release != series:
                continue
            # A session that never ran has no column of "not run" cells, unless none of the
            # place's ran: the note above the matrix names it (``not_run_cells``).
            cells = [c for c in place_cells if c["state"] != "not-run"] or place_cells
            label = cells[0].get("label") or cells[0]["django_series"]
            stock = view_column(cells[0])["stock"]
            by_state: dict[str, list[dict[str, Any]]] = {}
            for cell in cells:
                by_state.setdefault(cell["state"], []).append(cell)
            columns.extend(
                {
                    "series": series,
                    "group": group_name,
                    "label": label,
                    "stock": stock,
                    "add_on": None if stock else add_on_label(cells[0]),
                    "cells": group,
                    "split": len(by_state) > 1,
                }
                for group in by_state.values()
            )
    return columns


def column_cell(feature: dict[str, Any], column: dict[str, Any]) -> list[dict[str, Any]]:
    """What a column shows for a feature: one entry per verdict its backends measured (one, as
    a rule), each with the cell its link opens, its backends, and the backends that skipped or
    could not measure it, which the cell names. With no measurement, the first cell's verdict."""
    shown_verdicts = measured(feature, column["cells"]) or [
        (cell, verdict(feature, cell["id"])) for cell in column["cells"][:1]
    ]
    groups: dict[str, list[dict[str, Any]]] = {}
    for cell, found in shown_verdicts:
        groups.setdefault(found, []).append(cell)
    shown = {cell["id"] for cells in groups.values() for cell in cells}
    others = [
        {"backend": view_column(c)["label"], "verdict": verdict(feature, c["id"])}
        for c in column["cells"]
        if c["id"] not in shown
    ]
    return [
        {
            "verdict": found,
            "cell": cells[0],
            "cells": cells,
            "backends": [view_column(c)["label"] for c in cells],
            "short": "+".join(short_backend(c) for c in cells),
            "others": others,
        }
        for found, cells in groups.items()
    ]


def add_on_only_in(feature: Mapping[str, Any], column: Mapping[str, Any]) -> bool:
    """Whether a stock column meets an add-on's own API: the column shows it as not stock
    Django's, never as a verdict of stock Django."""
    return bool(column["stock"] and feature.get("add_on"))


def not_run_cells(merged: dict[str, Any], columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sessions that never ran and so have no column: said above the matrix instead."""
    shown = {cell["id"] for column in columns for cell in column["cells"]}
    return [cell for cell in merged["cells"] if cell["id"] not in shown]


def column_label(column: dict[str, Any]) -> str:
    """Whose cells a column shows, in words: "SQLite and PostgreSQL", or one backend."""
    return " and ".join(view_column(c)["label"] for c in column["cells"])


def split_here(feature: dict[str, Any], column: dict[str, Any], merged: dict[str, Any]) -> bool:
    """Whether this feature's measured verdicts differ between the backends of a split column's
    release (a session that did not run is no difference)."""
    if not column["split"]:
        return False
    place = [
        cell
        for cell in merged["cells"]
        if release_key(cell) == column["series"] and column_group(cell) == column["group"]
    ]
    return len({found for _, found in measured(feature, place)}) > 1


def column_change(
    feature_id: str, column: dict[str, Any], changed: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The baseline change of a feature in a column, if any of the column's cells changed."""
    return next(
        (
            changed[key]
            for c in column["cells"]
            if (key := cell_key(feature_id, c["id"])) in changed
        ),
        None,
    )


# Dotted names and calls in evidence code, and the async statements a reader searches for.
_CODE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+|\b[a-z_]\w{3,}(?=\()")
_STATEMENTS = ("async with", "async for", "sync_to_async", "await")


def search_head(feature: Mapping[str, Any]) -> list[str]:
    """The first words of a feature's search text: its id, title and area, which the page's
    data has already, so the page's search data leaves them out (``search_data``)."""
    return [feature["id"], feature["title"], area_label(feature["area"])]


def _search_words(words: Iterable[str]) -> list[str]:
    """Words lower case, one space apart, each once, in order (report.js ``searchWords``)."""
    return list(dict.fromkeys(" ".join(word.lower().split()) for word in words if word))


def search_text(feature: dict[str, Any], alternatives: list[dict[str, Any]]) -> str:
    """What the search box matches for a feature: its id, title, area, the dotted names and
    calls in the code its checks ran (``article.tags.aadd``, ``transaction.atomic``), the async
    statements that code uses and the APIs offered instead; lower case, one space apart."""
    code = "\n".join(
        f"{(check.get('evidence') or {}).get('snippet') or ''}\n"
        f"{(check.get('evidence') or {}).get('wrapped') or ''}"
        for result in feature["cells"].values()
        for check in result.get("checks") or []
    )
    words = search_head(feature)
    words += [found.group() for found in _CODE_NAME.finditer(code)]
    words += [statement for statement in _STATEMENTS if statement in code]
    words += [alternative.get("api") or "" for alternative in alternatives]
    return " ".join(_search_words(words))


def backend_differences(merged: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Feature x release pairs whose measured verdicts differ between the stock backends.

    Cells that did not run (or errored) are left out: "not measured" is no difference. An
    add-on column is compared with its stock column in its own section (``columns``).
    """
    by_series: dict[str, list[dict[str, Any]]] = {}
    for cell in merged["cells"]:
        if view_column(cell)["stock"]:
            by_series.setdefault(release_key(cell), []).append(cell)
    found = []
    for feature in merged["features"]:
        for series, series_cells in by_series.items():
            pairs = measured(feature, series_cells)
            if len({found_verdict for _, found_verdict in pairs}) > 1:
                found.append(
                    {
                        "feature": feature["id"],
                        "title": feature["title"],
                        "series": series,
                        "cells": [
                            {"id": cell["id"], "backend": cell["backend"], "verdict": v}
                            for cell, v in pairs
                        ],
                    }
                )
    return found


def claim_links(
    feature_id: str,
    cell_ids: list[str],
    features_by_id: dict[str, dict[str, Any]],
    cells_by_id: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """The cells that decide a claim about a feature, as links: one per release where all its
    backends agree ("5.2"), else one per cell ("5.2 SQLite"), like the matrix's columns."""
    found = (features_by_id.get(feature_id) or {}).get("cells") or {}
    by_place: dict[tuple[str, str], list[str]] = {}
    for cell_id in cell_ids:
        cell = cells_by_id.get(cell_id)
        place = (release_key(cell), column_group(cell)) if cell else (cell_id, cell_id)
        by_place.setdefault(place, []).append(cell_id)
    links = []
    for (series, _), ids in by_place.items():
        verdicts = {(found.get(cell_id) or {}).get("verdict") for cell_id in ids}
        if len(ids) > 1 and len(verdicts) == 1:
            links.append({"cell": ids[0], "label": series, "verdict": verdicts.pop()})
            continue
        for cell_id in ids:
            cell = cells_by_id.get(cell_id)
            label = f"{series} {view_column(cell)['label']}" if cell else cell_id
            cell_verdict = (found.get(cell_id) or {}).get("verdict")
            links.append({"cell": cell_id, "label": label, "verdict": cell_verdict})
    return links


def ordered_claims(claims: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Refuted claims first, then untestable, then confirmed; stable within a status."""
    rank = {status: index for index, status in enumerate(CLAIM_STYLE)}
    return sorted(claims, key=lambda claim: rank.get(claim.get("status"), len(rank)))


def changed_cells(merged: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The comparison with a baseline, by cell fragment and with each change's kind, so the
    matrix can mark changed cells."""
    changes = merged.get("changes") or {}
    return {
        cell_key(change["feature"], change["cell"]): change
        for change in by_kind(changes.get("changed", []))
    }


def releases(cells: list[dict[str, Any]]) -> list[str]:
    """The Django series of the matrix, oldest first (cells are in release order), so the page's
    script compares releases by position instead of parsing versions."""
    return list(dict.fromkeys(cell["django_series"] for cell in cells))


def change_kinds_by_pair() -> dict[str, str]:
    """``change_kind`` for every pair of verdicts, keyed ``"old>new"``: the page's release compare
    looks its kinds up here, so it cannot drift from the baseline diff's rule."""
    return {f"{old}>{new}": change_kind(old, new) for old in VERDICT_STYLE for new in VERDICT_STYLE}


def alternatives_by_pattern(merged: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The native alternatives of each pattern that needed ``sync_to_async``, with their own
    "since" per backend: what "My setup" offers next to the wrapped form."""
    return {row["feature"]: row["alternatives"] for row in merged.get("sync_to_async") or []}


def client_data(merged: dict[str, Any]) -> dict[str, Any]:
    """What the page's script needs at once: verdicts, titles, "native since", search text and
    workarounds, from which it draws "My setup", the release compare and the filters for the
    choices in the URL. The evidence itself is in ``evidence_chunks``, loaded on demand."""
    alternatives = alternatives_by_pattern(merged)
    cell_order = [cell["id"] for cell in merged["cells"]]
    pages = add_on_pages(merged["cells"])
    docs_targets: dict[str, int] = {}
    chunk_of = {
        feature["id"]: index
        for index, group in enumerate(evidence_groups(merged["features"]))
        for feature in group
    }
    return {
        "cell_order": cell_order,
        "verdict_order": list(VERDICT_CODES),
        "verdicts": VERDICT_STYLE,
        "backends": backend_labels(merged["cells"]),
        # the add-on backends: "My setup" on a stock backend never lists their own APIs
        "add_on_backends": sorted(
            {cell["backend"] for cell in merged["cells"] if not view_column(cell)["stock"]}
        ),
        "cells": {
            cell["id"]: {
                key: cell.get(key)
                for key in (
                    "django_series",
                    "backend",
                    "state",
                    "error",
                    "environment",
                    "started_at",
                    "duration_s",
                )
            }
            for cell in merged["cells"]
        },
        # Each feature's data, in "feature_order" (``read_data`` and report.js ``expand`` key
        # them by id again): a thousand ids written twice cost 6 kB of the compressed data.
        "features": [
            _without_empty(
                {
                    "title": feature["title"],
                    "area": feature["area"],
                    "since": _page_since(feature.get("since")),
                    "add_on": feature.get("add_on"),
                    # One character per cell, in "cell_order", indexing "verdict_order": the
                    # page expands it; a dict per cell would be most of the page's data.
                    "verdicts": "".join(
                        VERDICT_CODES[
                            (feature["cells"].get(cell_id) or {}).get("verdict", "not-run")
                        ]
                        for cell_id in cell_order
                    ),
                    "workarounds": workarounds(feature),
                    # its place in "docs_targets" (``docs_target``)
                    "docs": docs_targets.setdefault(target, len(docs_targets))
                    if (target := docs_target(feature, pages))
                    else None,
                    "chunk": chunk_of[feature["id"]],
                }
            )
            for feature in merged["features"]
        ],
        "docs_root": DOCS_ROOT,
        # Where the features' docs are, each written once: a feature names its target by place
        # (a few hundred link to the same page or class); a target ending in "." ends with the
        # anchor of a class, the feature's member name goes after it.
        "docs_targets": list(docs_targets),
        # each add-on project page a feature links to, with the package it documents
        "project_pages": {
            page: name for name, page in ADD_ON_PAGES.items() if page in pages.values()
        },
        "columns": [[cell["id"] for cell in column["cells"]] for column in matrix_columns(merged)],
        "release_notes": release_notes_link("{series}"),
        # the areas' names, the last words of each feature's search head (``search_head``)
        "area_labels": {area: area_label(area) for area, _ in area_groups(merged["features"])},
        # The JSON's objects come out with sorted keys: the orders the page shows go as lists.
        "feature_order": [feature["id"] for feature in merged["features"]],
        "backend_order": backends(merged["cells"]),
        "releases": releases(merged["cells"]),
        "alternatives": alternatives,
        "divergences": [found["feature"] for found in merged.get("divergences") or []],
        "change_kinds": {
            "order": [{"kind": kind} | meaning for kind, meaning in CHANGE_KINDS.items()],
            "by_pair": change_kinds_by_pair(),
        },
        "changes": changed_cells(merged),
        "diverges_meaning": DIVERGES_MEANING,
    }


def read_data(data: dict[str, Any]) -> dict[str, Any]:
    """The page's data as report.js ``expand`` reads it: its features by id."""
    return data | {"features": dict(zip(data["feature_order"], data["features"], strict=True))}


def add_on_pages(cells: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each add-on backend's project page, where the kit knows one (``labels.add_on_page``)."""
    found = {}
    for cell in cells:
        packages = view_column(cell)["packages"]
        if not view_column(cell)["stock"] and (page := add_on_page(packages)):
            found[cell["backend"]] = page
    return found


def feature_docs(feature: Mapping[str, Any], pages: Mapping[str, str]) -> str:
    """Where a feature's API is documented: Django's documentation after ``DOCS_ROOT``, with
    "{series}" for the release; an add-on's own API, never Django's, its add-on's project page
    whole, or nothing when the kit knows none."""
    if feature.get("add_on"):
        return next((pages[b] for b in feature["add_on"] if b in pages), "")
    return (docs_link(feature["id"], "{series}") or "").removeprefix(DOCS_ROOT)


def docs_target(feature: Mapping[str, Any], pages: Mapping[str, str]) -> str:
    """``feature_docs`` without the feature's member name at the end of its anchor
    ("{series}/ref/models/querysets/#django.db.models.query.QuerySet."), so the features of
    one class share one target; report.js ``docsUrl`` puts the member back."""
    found = feature_docs(feature, pages)
    member = feature["id"].rpartition(".")[2]
    if "#" in found and found.endswith("." + member):
        return found[: -len(member)]
    return found


def _without_empty(found: dict[str, Any]) -> dict[str, Any]:
    """A feature's page data without its empty fields: the script reads a missing one as
    empty, and a thousand features' empty lists, objects and nulls cost the page's first click
    the time to read them."""
    return {key: value for key, value in found.items() if value not in (None, "", [], {})}


def _page_since(since: Mapping[str, Any] | None) -> dict[str, Any]:
    """ "Native since" per backend as the script reads it: backends with none left out, and
    ``floor`` only where it is true."""
    return {
        backend: {"series": found["series"]} | ({"floor": True} if found.get("floor") else {})
        for backend, found in (since or {}).items()
        if found
    }


# A verdict as one character in the page's data, in ``VERDICT_STYLE``'s order.
VERDICT_CODES: dict[str, str] = {verdict: str(index) for index, verdict in enumerate(VERDICT_STYLE)}


def workaround(result: Mapping[str, Any]) -> str | None:
    """The pasteable workaround of a cell that needs ``sync_to_async``: the text its check ran
    as the wrapped form, exactly as a user writes it (``patterns.toml``), when it has one."""
    if result.get("verdict") != "needs-sync-to-async":
        return None
    for check in result.get("checks") or []:
        evidence = check.get("evidence") or {}
        if evidence.get("workaround") and (evidence.get("wrapped") or {}).get("kind") == "value":
            return evidence["workaround"]
    return None


def workarounds(feature: dict[str, Any]) -> dict[str, list[str]]:
    """Each distinct tested workaround of a feature with the cells that ran it: one text for
    the many cells that share it."""
    found: dict[str, list[str]] = {}
    for cell_id, result in feature["cells"].items():
        if text := workaround(result):
            found.setdefault(text, []).append(cell_id)
    return found


# What the evidence panel draws of a check's evidence (report.js ``renderCheck``): the rest,
# such as each call a grid tried, stays in results.json.
PANEL_EVIDENCE = (
    "snippet",
    "workaround",
    "example",
    "observed",
    "sync_twin",
    "wrapped",
    "examples",
    "queries",
    "diverging_calls",
    "hooks",
    "warnings",
    "query_counts",
    "database",
    "measurements",
)
PANEL_CHECK = ("id", "verdict", "outcome", "claims", "notes")


def panel_check(check: Mapping[str, Any]) -> dict[str, Any]:
    """A check as the evidence panel shows it. Its run time is left out, and so are the run times
    of its measurements' requests: they differ in every cell, so they would keep the page from
    writing the many identical checks once."""
    found = {key: check[key] for key in PANEL_CHECK if key in check}
    evidence = check.get("evidence")
    if evidence:
        shown = {key: evidence[key] for key in PANEL_EVIDENCE if evidence.get(key) not in EMPTY}
        if "measurements" in shown:
            shown["measurements"] = _without_run_times(shown["measurements"])
        if tried := evidence.get("tried"):
            shown["tried"] = {"calls": tried.get("calls"), "varied": tried.get("varied") or []}
        if differences := (evidence.get("signature") or {}).get("differences"):
            shown["signature"] = {"differences": differences}
        found["evidence"] = shown
    return found


EMPTY = (None, [], {})
# How long each request or batch of a production measurement took: a run time, like a check's,
# which differs in every cell (results.json keeps it).
RUN_TIME = "seconds"


def _without_run_times(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_run_times(value) for key, value in node.items() if key != RUN_TIME}
    if isinstance(node, list):
        return [_without_run_times(item) for item in node]
    return node


def evidence_groups(features: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The features whose evidence travels together: the first area's, inflated at once so its
    cells open without waiting, then all the others', inflated when a cell of theirs is first
    opened. One chunk for all of them: ``share`` then writes the checks the areas have in common
    (a custom user model reruns the auth checks) once."""
    groups = [features for _, features in area_groups(features)]
    later = [feature for group in groups[1:] for feature in group]
    return [group for group in (groups[0] if groups else [], later) if group]


# Stand-ins for a feature's id, its member's name and its sync twin's name (``queryset.acount``,
# ``acount``, ``count``) in its own evidence: check ids, code and calls name them, and without
# them a thousand features' checks are alike. Control characters, so a feature whose evidence
# holds one keeps its text as it is.
ID_MARK, MEMBER_MARK, TWIN_MARK = "\x03", "\x04", "\x05"
_MARK = re.compile(f"[{ID_MARK}{MEMBER_MARK}{TWIN_MARK}]")
# A member name shorter than this is left as it is: a stand-in would save nothing.
MIN_MEMBER = 4


def member_name(feature_id: str) -> str:
    """The member a feature's id ends with ("aget" of "queryset.aget"), which its evidence and
    rows name: the text a stand-in replaces; none when it is short or the whole id."""
    member = feature_id.rpartition(".")[2]
    return member if len(member) >= MIN_MEMBER and member != feature_id else ""


def twin_name(feature_id: str) -> str:
    """The sync twin's name of a feature's member ("get_all_permissions" of
    "….aget_all_permissions"): Django names an async API "a" and its twin's name, and the
    override checks' code (your subclass, its hooks, what to write instead) names the twin as
    often as the member; none when it is short or the member has no leading "a"."""
    member = member_name(feature_id)
    twin = member[1:] if member.startswith("a") else ""
    return twin if len(twin) >= MIN_MEMBER else ""


def _strings(node: Any, change: Any) -> Any:
    """``node`` with ``change`` applied to every string in it, keys too."""
    if isinstance(node, str):
        return change(node)
    if isinstance(node, list):
        return [_strings(item, change) for item in node]
    if isinstance(node, dict):
        return {change(key): _strings(item, change) for key, item in node.items()}
    return node


def _marked(node: Any) -> bool:
    found: list[bool] = []
    _strings(node, lambda text: found.append(bool(_MARK.search(text))) or text)
    return any(found)


def _stand_in(feature_id: str) -> Any:
    member, twin = member_name(feature_id), twin_name(feature_id)

    def change(text: str) -> str:
        # the member first: the twin's name is the end of it
        text = text.replace(feature_id, ID_MARK)
        text = text.replace(member, MEMBER_MARK) if member else text
        return text.replace(twin, TWIN_MARK) if twin else text

    return change


def fill_in(feature_id: str) -> Any:
    """``_stand_in`` undone, as report.js ``fillIn`` does: a string's stand-ins replaced by the
    feature's id, member name and its twin's name."""
    marks = {ID_MARK: feature_id, MEMBER_MARK: member_name(feature_id)}
    marks[TWIN_MARK] = twin_name(feature_id)
    return lambda text: _MARK.sub(lambda mark: marks[mark.group()], text)


def evidence_chunks(merged: Mapping[str, Any]) -> list[Shared]:
    """Each feature's notes and checks per cell, in the matrix's order, grouped as
    ``evidence_groups`` says, with their repeated parts written once (``sharing.share``).

    A feature's cells are a list in the order of the page data's ``cell_order`` (``null`` for a
    cell without the feature), and a cell that is a repeated part is its definition's number
    alone: the 22 cell ids and a ``{"$ref": n}`` per cell, written for each of 1,075 features,
    were a quarter of the compressed evidence. In a feature's strings its id, member name and
    twin's name are stand-ins (``ID_MARK``, ``MEMBER_MARK``, ``TWIN_MARK``), so the checks that
    differ only by them are written once (an override's subclass, "def get_all_permissions", as
    much as its call); ``plain`` lists the features whose text already held a stand-in's
    character, kept as they are. ``read_evidence`` reads it back."""
    order = [cell["id"] for cell in merged["cells"]]
    chunks = []
    for group in evidence_groups(merged["features"]):
        cells, plain = {}, []
        for feature in group:
            found = [
                _panel_result(result) if (result := feature["cells"].get(cell_id)) else None
                for cell_id in order
            ]
            if _marked(found):
                plain.append(feature["id"])
            else:
                found = _strings(found, _stand_in(feature["id"]))
            cells[feature["id"]] = found
        shared = share(cells)
        shared["root"] = {
            feature_id: [_number(cell) for cell in found] if isinstance(found, list) else found
            for feature_id, found in shared["root"].items()
        }
        shared["plain"] = plain
        chunks.append(shared)
    return chunks


def _panel_result(result: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "notes": result.get("notes") or [],
        "checks": [panel_check(check) for check in result.get("checks") or []],
    }


def _number(cell: Any) -> Any:
    """A cell that is a reference, as its definition's number (a cell is never a number)."""
    return cell[REF] if isinstance(cell, dict) and list(cell) == [REF] else cell


def read_evidence(chunk: Shared, cell_order: list[str]) -> dict[str, dict[str, Any]]:
    """An evidence chunk as report.js reads it (``unshare``, ``cellEvidence``): each feature's
    cells by id, stand-ins filled in."""
    defs = unshare({"defs": chunk["defs"], "root": [{REF: n} for n in range(len(chunk["defs"]))]})
    plain = set(chunk.get("plain") or [])
    found = {}
    for feature_id, cells in chunk["root"].items():
        listed = unshare({"defs": chunk["defs"], "root": cells})
        change = (lambda text: text) if feature_id in plain else fill_in(feature_id)
        found[feature_id] = {
            cell_id: _strings(defs[cell] if isinstance(cell, int) else cell, change)
            for cell_id, cell in zip(cell_order, listed, strict=True)
            if cell is not None
        }
    return found


def search_data(merged: dict[str, Any]) -> dict[str, str]:
    """Each feature's search text after its head (``search_head``), which the page puts back
    from its data: its own element after the matrix's rows, inflated once the page has
    loaded, so the rows come sooner."""
    alternatives = alternatives_by_pattern(merged)
    found = {}
    for feature in merged["features"]:
        text = search_text(feature, alternatives.get(feature["id"], []))
        head = " ".join(_search_words(search_head(feature)))
        found[feature["id"]] = text[len(head) :].lstrip(" ")
    return found


def since_labels(feature: Mapping[str, Any], cells: list[dict[str, Any]]) -> dict[str, str]:
    """The backends whose "native since" a feature's row gives, with their labels: an add-on's
    own API's add-on columns, else the stock backends (an add-on never speaks for stock)."""
    labels = backend_labels(cells)
    stock = {c["backend"] for c in cells if view_column(c)["stock"]}
    own = feature.get("add_on") or [backend for backend in labels if backend in stock]
    return {backend: labels[backend] for backend in labels if backend in own}


# The matrix row's children before its first column: the feature and its "since".
LEADING_CELLS = 2


def columns_without(columns: list[dict[str, Any]], backends: list[str]) -> dict[str, list[int]]:
    """Per backend, the matrix columns (as their row children's positions, from 1) that have
    none of its cells: the backend filter hides them, so filtering on stock PostgreSQL hides the
    add-on columns and filtering on an add-on hides the stock ones."""
    return {
        backend: [
            LEADING_CELLS + index
            for index, column in enumerate(columns, start=1)
            if all(cell["backend"] != backend for cell in column["cells"])
        ]
        for backend in backends
    }


def divergence_groups(divergences: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The divergences by area, in the vocabulary's order: each area folds behind one summary,
    so hundreds of rows are a few tab stops until a reader opens the area they care about."""
    return area_groups(divergences)


def _area_rank(area: str) -> tuple[int, str]:
    return (AREAS.index(area) if area in AREAS else len(AREAS), area)
