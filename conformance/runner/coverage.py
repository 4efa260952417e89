"""Which of the async APIs the walk found are checked, which are not and why, and which are
neither: the coverage gate.

The surface grid's owners (``conformance.features.OWNERS``) name the classes and modules it
calls; every async member reachable from them, inherited ones included, is checked by its
``<owner>.<name>`` feature, matched to the walk by code object. The rest is accounted for in
``conformance/data/surface.toml``: checked by other features, or not covered with a reason.
"""

from __future__ import annotations

import inspect
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from importlib.resources import files
from types import CodeType
from typing import Any

from conformance.runner import surface
from conformance.runner.walk import AsyncApi, Walk, code_of

CHECKED, NOT_COVERED, UNACCOUNTED = "checked", "not covered", "unaccounted"
FIX = (
    "give it an owner (conformance/features.py OWNERS and the receivers of "
    "conformance/runner/suite/surface_cases.py) or an entry in conformance/data/surface.toml"
)


@dataclass(frozen=True)
class Entry:
    """One rule of ``surface.toml``."""

    match: tuple[str, ...]
    defined_by: str | None = None
    checked_by: tuple[str, ...] = ()
    how: str = ""
    reason: str = ""

    def applies(self, api: AsyncApi) -> bool:
        if self.defined_by is not None and not fnmatchcase(api.defined_by, self.defined_by):
            return False
        return any(fnmatchcase(api.name, pattern) for pattern in self.match)


def entries() -> tuple[Entry, ...]:
    """The rules of ``conformance/data/surface.toml``, in file order."""
    table = tomllib.loads(files("conformance.data").joinpath("surface.toml").read_text("utf-8"))
    found = []
    for item in table.get("api", []):
        match = item["match"]
        found.append(
            Entry(
                match=(match,) if isinstance(match, str) else tuple(match),
                defined_by=item.get("defined-by"),
                checked_by=tuple(item.get("checked-by", ())),
                how=item.get("how", ""),
                reason=item.get("reason", ""),
            )
        )
    return tuple(found)


def grid_features() -> dict[CodeType, list[str]]:
    """Code object -> the grid features that call it: every member the surface discovery
    gives a feature (``test_surface.py`` checks each), inherited ones by their base's code."""
    found: dict[CodeType, list[str]] = {}
    owners = dict(surface.sources())
    for member in surface.discover():
        value = inspect.getattr_static(owners[member.owner], member.name)
        if (code := code_of(value)) is not None:
            found.setdefault(code, []).append(member.feature)
    return found


def account(walk: Walk, ran: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Every API of ``walk``: checked (by which features), not covered (why) or unaccounted.

    ``ran``: the features whose checks ran in this session; an API counts as checked only by
    a feature that ran. ``None`` (the kit's own tests, which run no checks) trusts every
    owner and entry."""
    ran = None if ran is None else set(ran)
    by_grid, rules = grid_features(), entries()

    def did_run(pattern: str) -> list[str]:
        if ran is None:
            return [pattern]
        return sorted(feature for feature in ran if fnmatchcase(feature, pattern))

    rows = []
    for api in walk.apis:
        features = [f for f in by_grid.get(api.code, []) if ran is None or f in ran]
        how, reason = "", ""
        if not features:
            for rule in (rule for rule in rules if rule.applies(api)):
                features = [found for pattern in rule.checked_by for found in did_run(pattern)]
                how, reason = (
                    rule.how,
                    rule.reason
                    or (f"its checks ({', '.join(rule.checked_by)}) did not run in this session"),
                )
                break
        status = CHECKED if features else NOT_COVERED if reason else UNACCOUNTED
        rows.append(
            {
                "api": api.name,
                "kind": api.kind,
                "twin": api.twin,
                "defined_by": api.defined_by,
                "status": status,
                "features": sorted(set(features)),
                "how": how if features else "",
                "reason": "" if features else reason or f"no check and no reason: {FIX}",
            }
        )
    return rows


def unaccounted(rows: Iterable[dict[str, Any]]) -> list[str]:
    """The APIs neither checked nor given a reason: the kit's own gap."""
    return [row["api"] for row in rows if row["status"] == UNACCOUNTED]


def main(argv: list[str] | None = None) -> int:
    """``python -m conformance.runner.coverage``: the installed Django's async APIs, each with
    how the kit covers it, as JSON lines; exit status 1 when any is unaccounted.

    Run where ``DJANGO_SETTINGS_MODULE`` names testapp's settings (any cell's environment):
    the coverage gate for a Django the matrix has not run yet (a pre-release, a checkout)."""
    import argparse
    import json
    import sys

    import django

    from conformance.runner.walk import walk

    parser = argparse.ArgumentParser(prog="python -m conformance.runner.coverage")
    parser.add_argument("--status", choices=(CHECKED, NOT_COVERED, UNACCOUNTED))
    options = parser.parse_args(argv)
    django.setup()
    rows = account(walk())
    for row in rows:
        if options.status in (None, row["status"]):
            print(json.dumps(row, sort_keys=True))
    missing = unaccounted(rows)
    for name in missing:
        sys.stderr.write(f"unaccounted async API: {name}\n")
    if missing:
        sys.stderr.write(f"Fix: {FIX}\n")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
