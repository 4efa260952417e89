"""Does each async API run the user's code that its sync twin runs, the same way?

Real projects extend Django at the points it documents: model method overrides, a custom
manager and QuerySet, signal receivers, authentication backends, a session engine. Each row
below is one async API and one such extension; the feature ``hooks.<extension>.<api>`` is
``native`` when the async call ran that code exactly as its sync twin did (called or not, as
often, with the same arguments) and ended the same way, ``diverges`` otherwise, with the
calls of each side as evidence. Where the async path skips an async override the user wrote
(``asave``) but runs the sync one, the cell says so.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import override_settings

from conformance.features import owner_prefix
from conformance.runner import probe
from conformance.runner.suite.calls import Call, Value, code, lit
from conformance.runner.suite.surface_cases import (
    Twin,
    call_async,
    call_sync,
    frozen_clock,
    owner_with,
    settle,
)
from conformance.runner.suite.test_surface import _instead
from conformance.verdicts import Verdict
from testapp import hooks, users
from testapp.models import Article, CountingSave, Tag

PLAIN_BACKEND = "testapp.extensions.PlainBackend"
SYNC_ONLY_BACKEND = "testapp.extensions.SyncOnlyBackend"

# Every check here calls into the seed: the module writes it once.
pytestmark = pytest.mark.usefixtures("seeded")


@dataclass(frozen=True)
class Extension:
    """One extension point: which hook entries are its calls."""

    id: str
    matches: Any  # entry -> bool
    settings: dict[str, Any] = field(default_factory=dict)
    async_override: str = ""  # the user's async counterpart a user may expect to run


def _override(*names: str):
    return lambda entry: entry[0] in {"override", "async-override"} and entry[1] in names


def _signal(name: str):
    return lambda entry: entry[0] == "signal" and entry[1] == name


def _prefix(prefix: str):
    return lambda entry: entry[0] == "override" and entry[1].startswith(prefix)


EXTENSIONS = {
    "save-override": Extension(
        "save-override", _override("CountingSave.save"), async_override="CountingSave.asave"
    ),
    "delete-override": Extension(
        "delete-override", _override("CountingSave.delete"), async_override="CountingSave.adelete"
    ),
    "refresh-override": Extension(
        "refresh-override",
        _override("CountingSave.refresh_from_db"),
        async_override="CountingSave.arefresh_from_db",
    ),
    "custom-queryset": Extension("custom-queryset", _prefix("HookedQuerySet.")),
    "custom-manager": Extension("custom-manager", _prefix("HookedManager.")),
    **{name: Extension(name, _signal(name)) for name in (
        "pre_save", "post_save", "pre_delete", "post_delete", "m2m_changed"
    )},
    "plain-auth-backend": Extension(
        "plain-auth-backend",
        _prefix("PlainBackend."),
        {"AUTHENTICATION_BACKENDS": [PLAIN_BACKEND]},
    ),
    "sync-only-auth-backend": Extension(
        "sync-only-auth-backend",
        _prefix("SyncOnlyBackend."),
        {"AUTHENTICATION_BACKENDS": [SYNC_ONLY_BACKEND]},
    ),
    "session-engine": Extension(
        "session-engine", _prefix("HookedSessionStore.")
    ),
}  # fmt: skip


def _counted() -> Value:
    return code(
        "CountingSave.objects.get(name='counted')", lambda: CountingSave.objects.get(name="counted")
    )


def _objects(text: str = "", build: Any = None) -> Value:
    return code(f"CountingSave.objects{text}", build or (lambda: CountingSave.objects))


def _module(name: str) -> Value:
    import importlib

    return code(name, lambda: importlib.import_module(name))


def _alice() -> Value:
    return code(users.text("alice"), lambda: users.get("alice"))


def _hooked_store() -> Value:
    def build():
        from testapp.extensions import HookedSessionStore

        return HookedSessionStore(session_key="conformancesessionkey0001")

    return code("HookedSessionStore(session_key='conformancesessionkey0001')", build)


_FILTERED = _objects(".filter(name='counted')", lambda: CountingSave.objects.filter(name="counted"))
_M2M = code(
    "Article.objects.get(slug='article-1').tags",
    lambda: Article.objects.get(slug="article-1").tags,
)
_DJANGO_TAG = code("Tag.objects.get(name='django')", lambda: Tag.objects.get(name="django"))
_PYTHON_TAG = code("Tag.objects.get(name='python')", lambda: Tag.objects.get(name="python"))


@dataclass(frozen=True)
class Row:
    """One async API called the way that reaches the extensions listed."""

    api: str  # the feature id of the async API
    call: Call
    extensions: tuple[str, ...]
    twin: Twin = field(default_factory=Twin)
    variant: str = ""


ROWS: list[Row] = [
    Row(
        "queryset.acreate",
        Call(_objects(), (), (("name", lit("new")),)),
        ("save-override", "custom-manager", "custom-queryset", "pre_save", "post_save"),
    ),
    Row(
        "queryset.aget_or_create",
        Call(_objects(), (), (("name", lit("fresh")),)),
        ("save-override", "custom-queryset", "post_save"),
    ),
    Row(
        "queryset.aupdate_or_create",
        Call(_objects(), (), (("name", lit("counted")), ("defaults", lit({"rank": 5})))),
        ("save-override", "custom-queryset", "post_save"),
    ),
    Row(
        "queryset.aget",
        Call(_objects(), (), (("name", lit("counted")),)),
        ("custom-queryset", "custom-manager"),
    ),
    Row("queryset.acount", Call(_objects()), ("custom-queryset", "custom-manager")),
    Row("queryset.aexists", Call(_objects()), ("custom-queryset",)),
    Row(
        "queryset.aupdate",
        Call(_FILTERED, (), (("rank", lit(2)),)),
        ("custom-queryset", "pre_save"),
    ),
    Row(
        "queryset.adelete",
        Call(_FILTERED),
        ("custom-queryset", "delete-override", "pre_delete", "post_delete"),
    ),
    Row(
        "queryset.aiterator",
        Call(_objects(".all()", lambda: CountingSave.objects.all())),
        ("custom-queryset",),
        Twin(twin="iterator"),
    ),
    Row(
        "queryset.abulk_create",
        Call(
            _objects(),
            (code("[CountingSave(name='bulk')]", lambda: [CountingSave(name="bulk")]),),
        ),
        ("save-override", "post_save"),
    ),
    Row("model.asave", Call(_counted()), ("save-override", "pre_save", "post_save")),
    Row(
        "model.asave",
        Call(_counted(), (), (("update_fields", lit(["rank"])),)),
        ("save-override", "post_save"),
        variant="update_fields",
    ),
    Row("model.adelete", Call(_counted()), ("delete-override", "pre_delete", "post_delete")),
    Row(
        "model.arefresh_from_db",
        Call(_counted(), (), (("fields", lit(["rank"])),)),
        ("refresh-override",),
    ),
    *(
        Row(f"related.m2m.{name}", Call(_M2M, args), ("m2m_changed",))
        for name, args in (
            ("aadd", (_DJANGO_TAG,)),
            ("aremove", (_PYTHON_TAG,)),
            ("aset", (code("[Tag.objects.get(name='django')]", lambda: [_DJANGO_TAG.build()]),)),
            ("aclear", ()),
        )
    ),
    Row(
        "auth.aauthenticate",
        Call(
            _module("django.contrib.auth"),
            (),
            (("username", lit(users.login("ALICE"))), ("password", lit("wonderland"))),
        ),
        ("plain-auth-backend", "sync-only-auth-backend"),
        Twin(project=lambda user: user.get_username() if user is not None else None),
    ),
    Row(
        "auth.user.ahas_perm",
        Call(_alice(), (lit("testapp.view_article"),)),
        ("plain-auth-backend", "sync-only-auth-backend"),
    ),
    Row(
        "sessions.db-store.asave",
        Call(_hooked_store()),
        ("session-engine",),
        Twin(after=lambda store, _: dict(store.items())),
    ),
]


def _params():
    for row in ROWS:
        for extension in row.extensions:
            feature_id = f"hooks.{extension}.{row.api}"
            case_id = f"{feature_id}[{row.variant}]" if row.variant else feature_id
            yield pytest.param(
                row,
                EXTENSIONS[extension],
                id=case_id,
                marks=pytest.mark.conformance(feature=feature_id),
            )


def calls_of(entries: list[hooks.Entry], extension: Extension) -> list[hooks.Entry]:
    return [entry for entry in entries if extension.matches(entry)]


@pytest.mark.parametrize(("row", "extension"), list(_params()))
def test_async_api_runs_the_users_code_as_its_sync_twin_does(
    conformance, world, baseline, row, extension
):
    prefix = owner_prefix(row.api)
    name = row.api.rsplit(".", 1)[1]
    if owner_with(conformance, prefix, name) is None:
        return
    twin_name = row.twin.twin or name[1:]

    async def run():
        return await call_async(name, row.call)

    settings = override_settings(**extension.settings) if extension.settings else nullcontext()
    with settings:
        sync, ran, _, _ = probe.run_twins(
            run,
            lambda: call_sync(row.twin, twin_name, row.call),
            settle=settle(row.twin),
            baseline=baseline,
        )
    ours, theirs = calls_of(ran.hooks, extension), calls_of(sync.hooks, extension)
    found = probe.evidence(
        f"# {extension.id} installed\nawait {row.call.text(name)}",
        ran.to_json(),
        sync_twin=sync.to_json(),
        example=row.call.text(name),
        hooks={
            "sync": [probe.clip(repr(entry), 300) for entry in theirs],
            "async": [probe.clip(repr(entry), 300) for entry in ours],
        },
    )
    verdict, note = hooks_verdict(sync, ran, theirs, ours, (twin_name, name, extension))
    instead = None
    if verdict is Verdict.DIVERGES:
        # What to write instead: the sync twin through sync_to_async, run here against the
        # sync twin on the same call, with the same extension installed.
        with settings, frozen_clock():
            instead = _instead(row.twin, twin_name, row.call, baseline)
        if instead["works"]:
            note += f"; do this instead: {instead['code']}"
    conformance.record(probe.Outcome(verdict, found, note))
    if instead:
        conformance.annotate(instead=instead)


def hooks_verdict(
    sync, ran, theirs, ours, names: tuple[str, str, Extension]
) -> tuple[Verdict, str]:
    """``native`` when the user's code ran alike and the calls ended alike, with a plain note
    (which also says when the async API skips an async override the user wrote)."""
    twin_name, name, extension = names
    sync_code, async_code = hooks.user_code(theirs), hooks.user_code(ours)
    reasons = []
    if type(sync.exception) is not type(ran.exception):
        reasons.append("the async call and its sync twin ended differently")
    elif not sync.raised and probe.comparable(sync.value) != probe.comparable(ran.value):
        reasons.append(f"{name}() returned another result than {twin_name}()")
    if sync_code != async_code:
        if not async_code:
            reasons.append(f"{name}() did not run your code; {twin_name}() ran {_names(theirs)}")
        elif not sync_code:
            reasons.append(f"{name}() ran your {_names(ours)}; {twin_name}() did not")
        else:
            reasons.append(
                f"{name}() ran your code differently: {async_code} where {twin_name}() ran "
                f"{sync_code}"
            )
    note = "; ".join(reasons)
    if not reasons:
        note = (
            f"{name}() ran your {_names(theirs)} as {twin_name}() does"
            if sync_code
            else f"neither {name}() nor {twin_name}() calls this extension"
        )
        skipped = extension.async_override not in hooks.async_overrides(ours)
        if sync_code and extension.async_override and skipped:
            note += f"; it never calls your {extension.async_override.split('.')[-1]}() override"
    return (Verdict.DIVERGES if reasons else Verdict.NATIVE), note


def _names(entries: list[hooks.Entry]) -> str:
    return ", ".join(dict.fromkeys(str(entry[1]) for entry in entries)) or "nothing"
