"""How the report says things: verdict and claim words, area names, backend names, release
spans and "native since", and the links to Django's documentation for a release.

Every word here is the page's and the summary's alike; nothing here reads the matrix: a
backend's name comes from the cells' own columns (``view.backend_labels``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from conformance.report.view import column, span_label

# Symbol, word and colour for each verdict: never colour alone. ``short`` is the word shown
# inside a matrix cell, where the full label does not fit the default matrix's eight columns
# (22 cells) on one screen.
VERDICT_STYLE: dict[str, dict[str, str]] = {
    "native": {"symbol": "✓", "label": "native", "short": "native", "color": "#116329"},
    "needs-sync-to-async": {
        "symbol": "⇄",
        "label": "needs sync_to_async",
        "short": "wrap",
        "color": "#7d4e00",
    },
    "absent": {"symbol": "—", "label": "absent", "short": "absent", "color": "#57606a"},
    "unsupported": {"symbol": "✗", "label": "unsupported", "short": "no", "color": "#cf222e"},
    "diverges": {"symbol": "≠", "label": "diverges", "short": "diverges", "color": "#a40e26"},
    "error": {"symbol": "!", "label": "error", "short": "error", "color": "#6639ba"},
    "skipped": {"symbol": "∅", "label": "skipped", "short": "skipped", "color": "#59636e"},
    "not-run": {"symbol": "?", "label": "not run", "short": "not run", "color": "#59636e"},
}

# A stock column's cell of an add-on's own API: not a verdict of stock Django at all.
ADD_ON_STYLE: dict[str, str] = {
    "symbol": "+",
    "label": "an add-on's own API, not stock Django's",
    "short": "add-on",
    "color": "#57606a",
}

# Claim statuses, refuted first: a refuted claim is what a reader of the reference must see.
CLAIM_STYLE: dict[str, dict[str, str]] = {
    "refuted": {"symbol": "✗", "label": "refuted", "color": "#cf222e"},
    "untestable": {"symbol": "?", "label": "untestable", "color": "#59636e"},
    "confirmed": {"symbol": "✓", "label": "confirmed", "color": "#116329"},
}

# Said wherever a divergence is shown, so no reader takes a finding for a broken kit.
DIVERGES_MEANING = (
    "A diverges verdict is Django's own behaviour, found by the kit: the async API disagrees "
    "with its sync twin. It is not a failure of the kit."
)

# Area ids as a reader says them.
AREA_LABELS: dict[str, str] = {
    "retrieval": "Retrieval",
    "aggregation": "Aggregation",
    "iteration": "Iteration",
    "creation": "Creation",
    "bulk": "Bulk operations",
    "update-delete": "Update and delete",
    "related-managers": "Related managers",
    "model-instance": "Model instances",
    "transactions": "Transactions",
    "patterns": "Patterns",
    "adjacent-apis": "Adjacent APIs (auth, sessions, pagination, signals)",
    "extensions": "Extensions (your overrides, managers, signals and backends)",
    "custom-user": "Custom user model (AUTH_USER_MODEL logging in by email)",
}

# Where Django documents each owner's members: per documentation page, the owners it documents
# and the Python path their Sphinx anchors start with (``#django.db.models.query.QuerySet.aget``;
# empty for a topic page without member anchors). Longest owner prefix wins; an id under a
# setting (``custom-user.``) or a hook (``hooks.override-exact.``) is looked up by the API it
# calls (``owner_id``).
DOCS_PAGES: dict[str, dict[str, str]] = {
    "ref/models/querysets/": {
        "queryset": "django.db.models.query.QuerySet",
        "function": "django.db.models",
    },
    "ref/models/instances/": {"model": "django.db.models.Model"},
    "topics/http/shortcuts/": {"shortcuts": "django.shortcuts"},
    "topics/db/transactions/": {
        "transaction": "django.db.transaction",
        "transaction.atomic": "django.db.transaction",
        "pattern.atomic": "",
    },
    "topics/auth/default/": {"auth": "django.contrib.auth"},
    "ref/contrib/auth/": {
        "auth.user-manager": "django.contrib.auth.models.UserManager",
        "auth.user": "django.contrib.auth.models.User",
        "auth.anonymous-user": "django.contrib.auth.models.AnonymousUser",
        "auth.model-backend": "django.contrib.auth.backends.ModelBackend",
        "auth.remote-user-backend": "django.contrib.auth.backends.RemoteUserBackend",
    },
    # every session store's async methods are SessionBase's, documented once
    "topics/http/sessions/": {"sessions": "django.contrib.sessions.backends.base.SessionBase"},
    "topics/cache/": {"cache": ""},
    "topics/testing/tools/": {"test.client": "django.test.Client", "production.testing": ""},
    "ref/paginator/": {
        "paginator.async-paginator": "django.core.paginator.AsyncPaginator",
        "paginator.async-page": "django.core.paginator.AsyncPage",
    },
    "topics/signals/": {"dispatch.signal": "django.dispatch.Signal"},
    "ref/models/relations/": {"related": "django.db.models.fields.related.RelatedManager"},
    # persistent connections and the pool: CONN_MAX_AGE, CONN_HEALTH_CHECKS, "pool"
    "ref/databases/": {"production.connections": ""},
    "topics/async/": {"pattern": "", "hooks": "", "production": ""},
}
# The same, by owner prefix: (page, anchor path).
DOCS: dict[str, tuple[str, str]] = {
    owner: (page, path) for page, owners in DOCS_PAGES.items() for owner, path in owners.items()
}
DOCS_ROOT = "https://docs.djangoproject.com/en/"

# An add-on's project page, by its package's name: what an add-on's own API links to instead of
# Django's documentation. Each is the URL the kit's data file of the add-on gives
# (conformance/data/async_backend.toml); an add-on without one has no link.
ADD_ON_PAGES: dict[str, str] = {
    "django-async-backend": "https://django-async-backend.readthedocs.io/",
}
_PACKAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def since_label(found: dict[str, Any] | None) -> str:
    """Like browser-compat-data's ``version_added``: a release, "or earlier", or not native."""
    if not found:
        return "not native"
    return f"{found['series']} or earlier" if found.get("floor") else found["series"]


def since_text(since: Mapping[str, Any] | None, labels: Mapping[str, str]) -> str:
    """The merge's "native since", in words, for the backends ``labels`` names (in its order):
    once when they all agree, else per backend. No "since" at all (an API no cell measured)
    reads "not native"."""
    said = {backend: since_label((since or {}).get(backend)) for backend in labels}
    if len(set(said.values())) <= 1:
        label = next(iter(said.values()), "not native")
        return label if label == "not native" else f"native since {label}"
    return "native since " + " · ".join(
        f"{labels[backend]} {label}" for backend, label in said.items()
    )


def releases_text(divergence: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """Where a divergence holds, in words: once when every backend ``labels`` names agrees,
    else per backend, naming the backends where it was not seen."""
    spans = divergence["by_backend"]
    said = {labels[b]: span_label(spans[b]) for b in labels if b in spans}
    unseen = [labels[b] for b in labels if b not in spans]
    if not unseen and len(set(said.values())) == 1:
        return span_label(divergence)
    seen = " · ".join(f"{backend} {label}" for backend, label in said.items())
    return seen + (f"; not seen on {' or '.join(unseen)}" if unseen else "")


def outcome_text(found: dict[str, Any] | None) -> str:
    """One side's outcome in words, as the evidence panel words it: the value, or what it
    raised."""
    if not found:
        return "not recorded"
    if found["kind"] == "exception":
        message = found.get("message")
        return f"raised {found.get('type') or '?'}: {found['repr'] if message is None else message}"
    if found["kind"] == "absent":
        return f"absent: {found['repr']}"
    return found["repr"]


def area_label(area: str) -> str:
    """An area id in words: "update-delete" reads "Update and delete"."""
    return AREA_LABELS.get(area) or area.replace("-", " ").capitalize()


def short_since(since: dict[str, Any], backend_ids: list[str]) -> str:
    """ "Native since" in a few characters for the matrix column: "5.0", "≤4.1", "—", or one
    per backend ("5.0/5.1") when they disagree; ``since_text`` says it in words."""

    def short(found: dict[str, Any] | None) -> str:
        if not found:
            return "—"
        return f"≤{found['series']}" if found.get("floor") else found["series"]

    labels = [short(since.get(backend)) for backend in backend_ids]
    # backends that disagree: the first's, starred; the cell's title says each in words
    return labels[0] if len(set(labels)) == 1 else f"{labels[0]}*"


def _docs_prefix(feature_id: str) -> str | None:
    return max((p for p in DOCS if feature_id.startswith(p)), key=len, default=None)


def owner_id(feature_id: str) -> str:
    """The id of the Django API a feature calls, without the setting or hook it runs under:
    ``custom-user.auth.alogin`` calls ``auth.alogin`` (with a custom user model),
    ``hooks.override-exact.queryset.aget`` calls ``queryset.aget`` (on an overriding
    subclass). A hook whose API has no documentation page stays as it is."""
    found = feature_id.removeprefix("custom-user.")
    parts = found.split(".", 2)
    if parts[0] == "hooks" and len(parts) == 3 and _docs_prefix(parts[2]) is not None:
        return parts[2]
    return found


def docs_link(feature_id: str, series: str) -> str | None:
    """The Django documentation of a feature's API for a release: its page, at the anchor
    Sphinx gives the member (the page's top when the anchor is missing)."""
    api = owner_id(feature_id)
    prefix = _docs_prefix(api)
    if prefix is None:
        return None
    page, path = DOCS[prefix]
    url = f"{DOCS_ROOT}{series}/{page}"
    member = api.rpartition(".")[2]
    if path and member.startswith("a") and not member.startswith("async-"):
        url += f"#{path}.{member}"
    return url


def add_on_page(packages: list[str]) -> str | None:
    """The project page of an add-on column's package ("django-async-backend 6.1.5"), where
    its own API is documented; ``None`` when the kit knows none."""
    for package in packages:
        name = _PACKAGE_NAME.match(package.strip())
        if name and (page := ADD_ON_PAGES.get(name.group().lower())):
            return page
    return None


def release_notes_link(series: str) -> str:
    """Django's release notes of a feature release, where a new API is announced."""
    return f"{DOCS_ROOT}dev/releases/{series}/"


# Stock backends as a split column's header says them, where the full label would not fit.
SHORT_FAMILIES = {"postgresql": "PG", "sqlite": "SQLite", "mariadb": "MariaDB"}


def short_backend(cell: Mapping[str, Any]) -> str:
    """A cell's backend in a few letters: "PG" for stock PostgreSQL, else its column's label."""
    found = column(cell)
    return (found["stock"] and SHORT_FAMILIES.get(found["family"])) or found["label"]


def add_on_label(cell: Mapping[str, Any]) -> str:
    """An add-on column as its header names it: its packages and versions, else its label."""
    found = column(cell)
    return ", ".join(found["packages"]) or found["label"]
