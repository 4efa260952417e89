"""Judge findings by the kit's verdicts: on the chosen release and backend, and across releases.

A finding has two readings. Its ``verdict`` is what the code does as written on the chosen cell
(a sync call whose async twin is native there ``needs-await``; a wrapped call whose twin is
native there is ``native``: the wrapper can go). Its "native form" is the code rewritten to the
async API the kit measured (the twin, or a pattern's native ``[[alternative]]``): the releases
where that form is native decide ``native_since`` and the project's minimum release.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from packaging.version import Version

from conformance.scan.finder import Finding
from conformance.scan.results import Matrix
from conformance.scan.vocabulary import (
    DEFAULT_MANAGERS,
    EVALUATING_FORM,
    MEASURED_AS,
    QUERYSET_BUILDERS,
)
from conformance.verdicts import UNMEASURED, Verdict

NEEDS_AWAIT = "needs-await"  # the scan's own verdict: a sync call whose async twin is native
VERDICT_CHOICES = (*(v.value for v in Verdict), NEEDS_AWAIT)
NATIVE = Verdict.NATIVE.value
NEEDS_WRAPPING = Verdict.NEEDS_SYNC_TO_ASYNC.value
# Twin verdicts under which the sync call must stay in sync_to_async on that release.
NO_NATIVE_TWIN = frozenset({Verdict.ABSENT.value, Verdict.UNSUPPORTED.value, NEEDS_WRAPPING})
ABSENT = Verdict.ABSENT.value
# The argument of a select_related in an alternative's API text: the finding's own relation.
SELECT_RELATED_ARGUMENT = re.compile(r"select_related\('[^']*'\)")
# ``a``-forms no release has whose names read as "evaluate the QuerySet" (``alist``, ``aall``).
EVALUATING_NAMES = frozenset({"list", *QUERYSET_BUILDERS})


@dataclass(frozen=True)
class Assessed:
    finding: Finding
    measured_as: str
    verdict: str
    native_since: dict[str, str | None]
    advice: str
    workaround: dict[str, Any] | None

    @property
    def label(self) -> str:
        return f"{self.finding.path}:{self.finding.line} {self.finding.feature}"


def measured_as(feature: str, matrix: Matrix) -> str:
    """The feature whose verdicts stand for this one (itself, when the results measure it)."""
    return feature if matrix.measures(feature) else MEASURED_AS.get(feature, feature)


def in_no_release(finding: Finding, matrix: Matrix) -> bool:
    """An ``a``-method the results never list although they measure its owner: the kit walks
    each release's async surface, so it exists in none of them (``qs.aall()``)."""
    feature = measured_as(finding.feature, matrix)
    return not matrix.measures(feature) and matrix.measures_owner(feature)


def written_verdict(finding: Finding, matrix: Matrix, series: str, backend: str) -> str:
    """What the code does as written on that release and backend (see the module docstring)."""
    if in_no_release(finding, matrix):
        return ABSENT
    verdict = matrix.verdict(measured_as(finding.feature, matrix), series, backend)
    if finding.form == "sync":
        if verdict == NATIVE:
            return NEEDS_AWAIT
        return NEEDS_WRAPPING if verdict in NO_NATIVE_TWIN else verdict
    if finding.form == "wrapped" and verdict in NO_NATIVE_TWIN:
        return NEEDS_WRAPPING
    return verdict


def _state(verdicts: list[str]) -> bool | None:
    """Native when any is; unknown (``None``) when none was measured; else not native."""
    if NATIVE in verdicts:
        return True
    return None if all(v in UNMEASURED for v in verdicts) else False


def native_form(finding: Finding, matrix: Matrix, series: str, backend: str) -> bool | None:
    """Whether the finding's work has a native form on that release (its feature, or an
    alternative the kit measured for its pattern); ``None`` when none was measured there."""
    feature = measured_as(finding.feature, matrix)
    candidates = [feature, *(a["feature"] for a in matrix.alternatives.get(feature, []))]
    return _state([matrix.verdict(c, series, backend) for c in candidates])


def _since(matrix: Matrix, backend: str, is_native: Callable[[str], bool | None]) -> str | None:
    """The oldest release from which ``is_native`` holds on every newer measured release."""
    since = None
    for series in reversed(matrix.releases):
        state = is_native(series) if (series, backend) in matrix.cells else None
        if state is False:
            break
        if state:
            since = series
    return since


def _feature_since(matrix: Matrix, feature: str, backend: str) -> str | None:
    return _since(matrix, backend, lambda s: _state([matrix.verdict(feature, s, backend)]))


def _sync_twin_code(code: str, feature: str) -> str:
    """``obj.asave()`` -> ``obj.save()``: the call to wrap on releases without the async API."""
    method = feature.rpartition(".")[2]
    if not method.startswith("a") or f"{method}(" not in code:
        return code
    before, _, after = code.rpartition(f"{method}(")
    return f"{before}{method[1:]}({after}"


def _fitted(api: str, finding: Finding) -> str:
    """An alternative's API text with the finding's own relation (``select_related('team')``)."""
    if not finding.detail:
        return api
    return SELECT_RELATED_ARGUMENT.sub(f"select_related('{finding.detail}')", api)


def _evaluated(finding: Finding) -> str | None:
    """The QuerySet an ``a``-method no release has means to evaluate (``qs`` of ``qs.alist()``,
    ``Article.objects.all()`` of ``Article.objects.aall()``: a manager is not iterable), or
    ``None`` when the method's name does not read as "evaluate it"."""
    method = finding.feature.rpartition(".")[2]
    if not finding.feature.startswith("queryset.") or method[1:] not in EVALUATING_NAMES:
        return None
    receiver, found, arguments = finding.code.rpartition(f".{method}(")
    if not found:
        return "qs"
    if method[1:] in QUERYSET_BUILDERS:
        return f"{receiver}.{method[1:]}({arguments}"
    return f"{receiver}.all()" if receiver.rpartition(".")[2] in DEFAULT_MANAGERS else receiver


def working_form(finding: Finding) -> str:
    """What to write instead of an ``a``-method no release has: an ``async for`` where its
    name reads as "evaluate the QuerySet" (``alist``, ``aall``), else the wrapped sync call."""
    queryset = _evaluated(finding)
    if queryset is not None:
        return EVALUATING_FORM.format(queryset=queryset)
    method = finding.feature.rpartition(".")[2]
    receiver = finding.code.rpartition(f".{method}(")[0] or "qs"
    return f"await sync_to_async({receiver}.{method[1:]})()"


def _workaround(
    finding: Finding, matrix: Matrix, feature: str, series: str, backend: str
) -> dict[str, Any]:
    alternatives = [
        alternative
        | {
            "api": _fitted(alternative["api"], finding),
            "native_since": _feature_since(matrix, alternative["feature"], backend),
        }
        for alternative in matrix.alternatives.get(feature, [])
    ]
    wrapped = matrix.wrapped_forms.get(feature)
    tested = wrapped is not None  # a wrapped form from the results file ran in its cell
    if (queryset := _evaluated(finding)) is not None:
        # No sync twin to wrap (``qs.list()`` is no method): the QuerySet itself, evaluated.
        wrapped, tested = f"await sync_to_async(list)({queryset})", False
    elif wrapped is None and finding.code and finding.form in {"sync", "async"}:
        wrapped = f"await sync_to_async(lambda: {_sync_twin_code(finding.code, feature)})()"
        tested = False
    return {
        "alternatives": [a for a in alternatives if a["native_since"] is not None] or alternatives,
        "wrapped_form": wrapped,
        "wrapped_form_tested": tested,
        "native_from": _feature_since(matrix, feature, backend),
    }


def _advice(
    verdict: str, feature: str, workaround: dict[str, Any] | None, since: str | None
) -> str:
    if verdict == NEEDS_AWAIT:
        return f"await the async API instead ({feature}, native since {since})"
    if verdict == NATIVE:
        return ""
    if workaround is not None:
        usable = [a for a in workaround["alternatives"] if a["native_since"] is not None]
        if usable:
            return "; ".join(f"use {a['api']} (native since {a['native_since']})" for a in usable)
        if workaround["native_from"]:
            return f"wrap in sync_to_async before {workaround['native_from']}, native from then"
        return "wrap in sync_to_async: not native in any measured release"
    if verdict == Verdict.DIVERGES.value:
        return "differs from its sync twin on some calls: see the report's Divergences"
    return f"the kit's verdict here is {verdict}"


def assess(finding: Finding, matrix: Matrix, series: str, backend: str) -> Assessed:
    """The finding's verdict on the chosen cell, its native form's releases and the advice."""
    feature = measured_as(finding.feature, matrix)
    verdict = written_verdict(finding, matrix, series, backend)
    native_since = {
        b: _since(matrix, b, lambda s, b=b: native_form(finding, matrix, s, b))
        for b in matrix.backends
    }
    workaround = (
        _workaround(finding, matrix, feature, series, backend)
        if verdict in {NEEDS_WRAPPING, Verdict.ABSENT.value}
        else None
    )
    if in_no_release(finding, matrix) or (
        verdict == ABSENT and not any(native_since.values()) and finding.form == "async"
    ):
        advice = (
            f"no release has {finding.feature.rpartition('.')[2]}(): use {working_form(finding)}"
        )
    elif finding.form == "wrapped" and verdict == NATIVE:
        advice = f"drop sync_to_async: {feature} is native since {native_since.get(backend)}"
    else:
        advice = _advice(verdict, feature, workaround, native_since.get(backend))
    return Assessed(finding, feature, verdict, native_since, advice, workaround)


def minimum_release(
    assessed: list[Assessed], matrix: Matrix, backends: tuple[str, ...] | None = None
) -> dict[str, str | None]:
    """Per backend (the stock ones by default), the oldest release from which every finding's
    native form is native."""
    found: dict[str, str | None] = {}
    for backend in matrix.backends if backends is None else backends:
        since = [a.native_since.get(backend) for a in assessed]
        oldest = next((s for s in matrix.releases if (s, backend) in matrix.cells), None)
        known = [s for s in [*since, oldest] if s is not None]
        found[backend] = None if None in since or not known else max(known, key=Version)
    return found


def blocking(
    assessed: list[Assessed], matrix: Matrix, backends: tuple[str, ...] | None = None
) -> dict[str, dict[str, list[str]]]:
    """Per backend and release older than the minimum: the findings not native there."""
    minimum = minimum_release(assessed, matrix, backends)
    blocked: dict[str, dict[str, list[str]]] = {}
    for backend in minimum:
        floor = minimum[backend]
        for series in matrix.releases:
            if floor is not None and Version(series) >= Version(floor):
                break
            if (series, backend) not in matrix.cells:
                continue
            labels = [
                a.label
                for a in assessed
                if native_form(a.finding, matrix, series, backend) is False
            ]
            if labels:
                blocked.setdefault(backend, {})[series] = labels
    return blocked
