"""The feature vocabulary: every id a check may name, with its area and reference section.

Ids are dotted paths independent of file layout (``queryset.aget``, ``pattern.lazy-forward-fk``).
The plugin refuses a check whose feature is not listed here, so typos cannot create features.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files

AREAS: tuple[str, ...] = (
    "retrieval",
    "aggregation",
    "iteration",
    "creation",
    "bulk",
    "update-delete",
    "related-managers",
    "model-instance",
    "transactions",
    "patterns",
    "adjacent-apis",
    "extensions",
    # The auth, session, middleware and test-client checks again, with a project's own user
    # model (``AUTH_USER_MODEL``): features ``custom-user.<feature>``.
    "custom-user",
    # django-async-backend's own async ORM (its column only; skipped elsewhere).
    "async-backend",
    "production",
)


@dataclass(frozen=True)
class Feature:
    id: str
    title: str
    area: str
    kind: str  # "method" (an async API with a sync twin) or "pattern" (a way of working)
    ref: str  # the reference section it comes from, as its heading's anchor
    # what a user writes instead where the direct form needs sync_to_async: the testapp's
    # models, no kit helpers; the pattern's check runs exactly this text (patterns.toml)
    workaround: str = ""


def _load_data_features() -> tuple[Feature, ...]:
    """Features kept as data: every ``[[feature]]`` table in ``conformance/data/*.toml``."""
    found = []
    for entry in sorted(files("conformance.data").iterdir(), key=lambda path: path.name):
        if entry.name.endswith(".toml"):
            table = tomllib.loads(entry.read_text(encoding="utf-8"))
            found.extend(Feature(**item) for item in table.get("feature", []))
    return tuple(found)


FEATURES: dict[str, Feature] = {feature.id: feature for feature in _load_data_features()}


# Areas of the QuerySet members the introspection finds, by name; other owners by prefix.
QUERYSET_AREAS = {
    "aget": "retrieval", "afirst": "retrieval", "alast": "retrieval", "aearliest": "retrieval",
    "alatest": "retrieval", "ain_bulk": "retrieval", "acontains": "retrieval",
    "aexplain": "retrieval", "acount": "aggregation", "aexists": "aggregation",
    "aaggregate": "aggregation", "async-for": "iteration", "aiterator": "iteration",
    "acreate": "creation", "aget_or_create": "creation", "aupdate_or_create": "creation",
    "abulk_create": "bulk", "abulk_update": "bulk", "aupdate": "update-delete",
    "adelete": "update-delete",
}  # fmt: skip


@dataclass(frozen=True)
class Owner:
    """Where surface members are looked for, and how the report names and groups them."""

    area: str  # QuerySet members take theirs from QUERYSET_AREAS instead
    label: str
    path: str | None  # "module:Class" to introspect; None for related managers (descriptors)


# One table for both halves: the surface discovery introspects ``path``, the report derives
# titles and areas from ``label`` and ``area``. Bases come before subclasses, so an inherited
# member is counted once, under its base.
OWNERS: dict[str, Owner] = {
    "queryset": Owner("", "QuerySet", "django.db.models:QuerySet"),
    "model": Owner("model-instance", "Model", "django.db.models:Model"),
    "function": Owner("iteration", "django.db.models", "django.db.models"),
    "shortcuts": Owner("adjacent-apis", "django.shortcuts", "django.shortcuts"),
    "transaction": Owner("transactions", "django.db.transaction", "django.db.transaction"),
    "transaction.atomic": Owner("transactions", "Atomic", "django.db.transaction:Atomic"),
    "auth": Owner("adjacent-apis", "django.contrib.auth", "django.contrib.auth"),
    "auth.user-manager": Owner(
        "adjacent-apis", "UserManager", "django.contrib.auth.models:UserManager"
    ),
    "auth.user": Owner("adjacent-apis", "User", "django.contrib.auth.models:User"),
    "auth.anonymous-user": Owner(
        "adjacent-apis", "AnonymousUser", "django.contrib.auth.models:AnonymousUser"
    ),
    "auth.model-backend": Owner(
        "adjacent-apis", "ModelBackend", "django.contrib.auth.backends:ModelBackend"
    ),
    "auth.remote-user-backend": Owner(
        "adjacent-apis", "RemoteUserBackend", "django.contrib.auth.backends:RemoteUserBackend"
    ),
    "sessions.db-store": Owner(
        "adjacent-apis",
        "sessions SessionStore (db)",
        "django.contrib.sessions.backends.db:SessionStore",
    ),
    "paginator.async-paginator": Owner(
        "adjacent-apis", "AsyncPaginator", "django.core.paginator:AsyncPaginator"
    ),
    "paginator.async-page": Owner("adjacent-apis", "AsyncPage", "django.core.paginator:AsyncPage"),
    "dispatch.signal": Owner("adjacent-apis", "Signal", "django.dispatch:Signal"),
    "related.reverse-fk": Owner("related-managers", "reverse foreign-key manager", None),
    "related.m2m": Owner("related-managers", "many-to-many manager", None),
    "related.m2m-reverse": Owner("related-managers", "reverse many-to-many manager", None),
    "related.generic": Owner("related-managers", "generic relation manager", None),
    # Found by walking Django (conformance/runner/walk.py); after the owners above, so that the
    # members those already count keep their ids.
    "auth.base-backend": Owner(
        "adjacent-apis", "BaseBackend", "django.contrib.auth.backends:BaseBackend"
    ),
    "auth.hashers": Owner(
        "adjacent-apis", "django.contrib.auth.hashers", "django.contrib.auth.hashers"
    ),
    "auth.middleware": Owner(
        "adjacent-apis", "django.contrib.auth.middleware", "django.contrib.auth.middleware"
    ),
    "auth.remote-user-middleware": Owner(
        "adjacent-apis",
        "RemoteUserMiddleware",
        "django.contrib.auth.middleware:RemoteUserMiddleware",
    ),
    "auth.group-manager": Owner(
        "adjacent-apis", "GroupManager", "django.contrib.auth.models:GroupManager"
    ),
    **{
        f"sessions.{engine.replace('_', '-')}-store": Owner(
            "adjacent-apis",
            f"sessions SessionStore ({engine})",
            f"django.contrib.sessions.backends.{engine}:SessionStore",
        )
        for engine in ("cache", "cached_db", "file", "signed_cookies")
    },
    "cache.database": Owner(
        "adjacent-apis", "DatabaseCache", "django.core.cache.backends.db:DatabaseCache"
    ),
    "test.client": Owner("adjacent-apis", "test Client", "django.test.client:Client"),
}


# Variants of the project a cell runs some checks under again; their features are the checks'
# own ids under the variant's prefix, in the variant's area.
VARIANTS = {"custom-user": "with a custom user model (AUTH_USER_MODEL)"}


def owner_prefix(feature_id: str) -> str:
    """The longest owner prefix of a feature id (``auth.user.ahas_perm`` -> ``auth.user``)."""
    return max((p for p in OWNERS if feature_id.startswith(f"{p}.")), key=len)


def member_of(feature_id: str) -> str:
    """The surface member a feature is about: itself, or the API under a variant's prefix and a
    derived override's (``custom-user.hooks.override-narrow.model.asave`` -> ``model.asave``)."""
    variant, _, rest = feature_id.partition(".")
    if variant in VARIANTS:
        feature_id = rest
    if feature_id.startswith("hooks.override-") and feature_id.count(".") >= 2:
        feature_id = feature_id.split(".", 2)[2]
    return feature_id


def is_surface_member(feature_id: str) -> bool:
    """Whether the id names a member of an owner the surface discovery introspects."""
    return feature_id not in FEATURES and any(feature_id.startswith(f"{p}.") for p in OWNERS)


def describe(feature_id: str) -> Feature | None:
    """The feature for an id: listed ones as listed, surface members derived from their id.

    The surface is discovered per Django release, so its ids cannot all be listed ahead;
    ``<owner prefix>.<member>`` names the owner, and the owner gives the area.
    """
    if feature_id in FEATURES:
        return FEATURES[feature_id]
    variant, _, rest = feature_id.partition(".")
    if variant in VARIANTS and (found := describe(rest)) is not None:
        return Feature(feature_id, f"{found.title}, {VARIANTS[variant]}", variant, found.kind, "")
    if feature_id.startswith("hooks.") and feature_id.count(".") >= 2:
        # hooks.<extension>.<async API feature>: does that API run the user's code as its twin?
        _, hook, api = feature_id.split(".", 2)
        if hook.startswith("override-"):
            # hooks.override-<style>.<api>: the kit's own subclass (derived.py) in that style
            base = describe(api)
            title = f"{base.title if base else api} runs your {hook[9:]} override of its twin"
            return Feature(feature_id, title, "extensions", "method", "")
        return Feature(feature_id, f"{api} runs your {hook}", "extensions", "method", "")
    prefix, _, name = feature_id.rpartition(".")
    if prefix == "async-backend.queryset":
        # django-async-backend's manager (``Model.async_objects``), one id per method it checks.
        return Feature(feature_id, f"async_objects.{name}()", "async-backend", "method", "")
    if prefix == "queryset":
        # A member new to the area table still gets a place: with the other reads.
        area = QUERYSET_AREAS.get(name, "retrieval")
        return Feature(feature_id, f"QuerySet.{name}()", area, "method", "available-async-methods")

    if prefix in OWNERS and prefix != "queryset":
        owner = OWNERS[prefix]
        label = owner.label
        title = f"{label}.{name}()" if not name.startswith("__") else f"{label} {name}"
        return Feature(feature_id, title, owner.area, "method", "")
    return None


def feature(feature_id: str) -> Feature:
    """The feature with this id; unknown ids are an error, never a silent new feature."""
    found = describe(feature_id)
    if found is None:
        raise KeyError(
            f"unknown feature id {feature_id!r}: add it to conformance/features.py or "
            "conformance/data/*.toml"
        )
    return found
