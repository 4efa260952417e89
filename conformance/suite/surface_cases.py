"""One differential case per async member of the surface: the receiver, the arguments, the twin.

The check runs ``await receiver.<name>(*args)`` in a coroutine and ``twin_receiver.<twin>(*args)``
synchronously from the same database state; the twin defaults to the name without its leading
"a" on the same kind of receiver. ``project`` turns a result into something comparable and runs
inside each run (on the test thread, through ``sync_to_async`` on the async side), so it may query.
Receivers and arguments are built fresh for every run: both sides start from equal objects.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, F, Max, Q

from conformance.surface import resolve
from testapp.models import Article, Author, Note, Tag

BASE_TIME = datetime.fromisoformat("2024-01-01T00:00:00+00:00")
# "Now" while a surface case runs, so both runs compute the same expiry dates and ages.
FROZEN_NOW = datetime.fromisoformat("2030-01-01T12:00:00+00:00")


def _owner(path: str) -> Callable[[], object]:
    """Where the member must exist, resolved only when the case runs (it may not exist)."""

    def owner() -> object:
        return resolve(path)

    owner.__qualname__ = path
    return owner


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Case:
    """How to call one async member and its sync twin."""

    feature: str
    owner: Callable[[], object]  # where the member must exist (a class or module)
    receiver: Callable[[], Any]  # builds what the async member is called on
    args: Callable[[], tuple[Any, ...]] = tuple
    kwargs: Callable[[], dict[str, Any]] = dict
    twin: str | None = None
    twin_receiver: Callable[[], Any] | None = None
    project: Callable[[Any], Any] = _same
    # the observable state afterwards, from the receiver and the arguments
    after: Callable[[Any, tuple[Any, ...]], Any] | None = None
    variant: str = ""
    member: str = ""  # the attribute, when the feature id is an alias (async-for: __aiter__)

    @property
    def name(self) -> str:
        return self.member or self.feature.rsplit(".", 1)[1]

    @property
    def twin_name(self) -> str:
        return self.twin or self.name[1:]

    @property
    def id(self) -> str:
        return f"{self.feature}[{self.variant}]" if self.variant else self.feature


# Receivers ------------------------------------------------------------------------------------


def articles():
    return Article.objects.order_by("pk")


def article(slug: str = "article-1") -> Callable[[], Article]:
    return lambda: Article.objects.get(slug=slug)


def ada() -> Author:
    return Author.objects.get(name="Ada")


def python_tag() -> Tag:
    return Tag.objects.get(name="python")


def alice():
    from django.contrib.auth.models import User

    return User.objects.get(username="alice")


def users_manager():
    from django.contrib.auth.models import User

    return User.objects


def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def model_backend():
    from django.contrib.auth.backends import ModelBackend

    return ModelBackend()


def remote_backend():
    from django.contrib.auth.backends import RemoteUserBackend

    return RemoteUserBackend()


def session_store():
    from django.contrib.sessions.backends.db import SessionStore

    return SessionStore(session_key="conformancesessionkey0001")


def session_value(value: Any) -> Any:
    """A session row returned by ``acreate_model_instance`` compares by its decoded data."""
    return value.get_decoded() if hasattr(value, "get_decoded") else value


def session_data(store, _args: tuple[Any, ...]) -> dict[str, Any]:
    return dict(store.items())


def request_with_session() -> Callable[[], Any]:
    def build():
        from django.contrib.sessions.backends.db import SessionStore
        from django.http import HttpRequest

        request = HttpRequest()
        request.session = SessionStore(session_key="conformancesessionkey0001")
        request.META = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "conformance"}
        return request

    return build


def request_state(request) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "session": sorted(request.session.items()),
        "user": getattr(user, "username", None) if user is not None else None,
        "authenticated": bool(user is not None and user.is_authenticated),
    }


def paginator(kind: str) -> Callable[[], Any]:
    def build():
        from django.core import paginator as pagination

        return getattr(pagination, kind)(Article.objects.order_by("pk"), 2)

    return build


def page(kind: str) -> Callable[[], Any]:
    def build():
        from django.core import paginator as pagination

        pages = getattr(pagination, kind)(Article.objects.order_by("pk"), 2)
        page_class = pagination.AsyncPage if kind == "AsyncPaginator" else pagination.Page
        return page_class(list(Article.objects.order_by("pk")[:2]), 1, pages)

    return build


def page_content(found) -> Any:
    return (found.number, list(found.object_list))


def new_articles(prefix: str, count: int) -> Callable[[], tuple[Any, ...]]:
    return lambda: (
        [
            Article(title=f"{prefix} {i}", slug=f"{prefix}-{i}", created_at=BASE_TIME)
            for i in range(count)
        ],
    )


def retitled() -> tuple[Any, ...]:
    rows = list(Article.objects.order_by("pk"))
    for row in rows:
        row.title, row.views = row.title.upper(), row.views + 1
    return (rows, ["title"])


def prefetched(instances: list[Article]) -> list[Any]:
    """What prefetching left in each instance's cache, read without querying."""
    return [
        (row.slug, sorted(tag.name for tag in row._prefetched_objects_cache.get("tags", [])))
        for row in instances
    ]


def created_at(**values: Any) -> Callable[[], dict[str, Any]]:
    return lambda: {"created_at": BASE_TIME, **values}


QUERYSET = _owner("django.db.models:QuerySet")
MODEL = _owner("django.db.models:Model")

# Cases ----------------------------------------------------------------------------------------

CASES: list[Case] = [
    # Retrieval
    Case("queryset.aget", QUERYSET, articles, kwargs=lambda: {"slug": "article-2"}),
    Case("queryset.aget", QUERYSET, articles, kwargs=lambda: {"slug": "x"}, variant="missing"),
    Case("queryset.aget", QUERYSET, articles, kwargs=lambda: {"views__gte": 0}, variant="many"),
    Case("queryset.afirst", QUERYSET, articles),
    Case(
        "queryset.afirst",
        QUERYSET,
        lambda: Article.objects.filter(views__gt=10**6),
        variant="empty",
    ),
    Case("queryset.alast", QUERYSET, lambda: Article.objects.order_by("-views", "pk")),
    Case("queryset.aearliest", QUERYSET, articles, args=lambda: ("created_at",)),
    Case("queryset.alatest", QUERYSET, articles, args=lambda: ("created_at",)),
    Case(
        "queryset.alatest",
        QUERYSET,
        lambda: Article.objects.none(),
        args=lambda: ("pk",),
        variant="empty",
    ),
    Case(
        "queryset.ain_bulk",
        QUERYSET,
        articles,
        args=lambda: (["article-1", "article-3", "nope"],),
        kwargs=lambda: {"field_name": "slug"},
    ),
    Case(
        "queryset.acontains",
        QUERYSET,
        lambda: Article.objects.filter(status="published"),
        args=lambda: (Article.objects.get(slug="article-1"),),
    ),
    Case("queryset.aexists", QUERYSET, lambda: Article.objects.filter(status="draft")),
    Case("queryset.aexplain", QUERYSET, lambda: Article.objects.filter(status="draft")),
    # Aggregation
    Case("queryset.acount", QUERYSET, lambda: Article.objects.filter(Q(views__gte=10))),
    Case(
        "queryset.aaggregate",
        QUERYSET,
        articles,
        kwargs=lambda: {
            "total": Count("id"),
            "avg": Avg("rating"),
            "most": Max("views"),
            "tagged": Count("tags"),
        },
    ),
    # Iteration
    Case(
        "queryset.async-for",
        QUERYSET,
        lambda: Article.objects.order_by("-views"),
        twin="__iter__",
        member="__aiter__",
    ),
    Case("queryset.aiterator", QUERYSET, articles, twin="iterator"),
    Case(
        "queryset.aiterator",
        QUERYSET,
        articles,
        kwargs=lambda: {"chunk_size": 1},
        twin="iterator",
        variant="chunk_size=1",
    ),
    # Creation
    Case(
        "queryset.acreate",
        QUERYSET,
        lambda: Article.objects,
        kwargs=created_at(title="New", slug="new"),
    ),
    Case(
        "queryset.acreate",
        QUERYSET,
        lambda: Article.objects,
        kwargs=created_at(title="Dup", slug="article-1"),
        variant="integrity-error",
    ),
    Case(
        "queryset.aget_or_create",
        QUERYSET,
        lambda: Article.objects,
        kwargs=lambda: {"slug": "article-1", "defaults": {"title": "unused"}},
        variant="gets",
    ),
    Case(
        "queryset.aget_or_create",
        QUERYSET,
        lambda: Article.objects,
        kwargs=lambda: {"slug": "fresh", "defaults": {"title": "T", "created_at": BASE_TIME}},
        variant="creates",
    ),
    Case(
        "queryset.aupdate_or_create",
        QUERYSET,
        lambda: Article.objects,
        kwargs=lambda: {"slug": "article-2", "defaults": {"views": F("views") + 5}},
        variant="updates",
    ),
    Case(
        "queryset.aupdate_or_create",
        QUERYSET,
        lambda: Article.objects,
        kwargs=lambda: {"slug": "brand-new", "defaults": {"title": "B", "created_at": BASE_TIME}},
        variant="creates",
    ),
    # Bulk
    Case(
        "queryset.abulk_create",
        QUERYSET,
        lambda: Article.objects,
        args=new_articles("bulk", 5),
        kwargs=lambda: {"batch_size": 2},
    ),
    Case(
        "queryset.abulk_create",
        QUERYSET,
        lambda: Article.objects,
        args=lambda: ([Article(title="dup", slug="article-1", created_at=BASE_TIME)],),
        kwargs=lambda: {"ignore_conflicts": True},
        variant="ignore_conflicts",
    ),
    Case(
        "queryset.abulk_update",
        QUERYSET,
        lambda: Article.objects,
        args=retitled,
        kwargs=lambda: {"batch_size": 2},
    ),
    # Update and delete
    Case(
        "queryset.aupdate",
        QUERYSET,
        lambda: Article.objects.filter(status="draft"),
        kwargs=lambda: {"status": "published", "views": F("views") + 1},
    ),
    Case("queryset.adelete", QUERYSET, lambda: Article.objects.filter(status="published")),
    # Model instance methods
    Case("model.asave", MODEL, article(), after=lambda row, _: row.pk is not None),
    Case(
        "model.asave",
        MODEL,
        article(),
        kwargs=lambda: {"update_fields": ["views"]},
        variant="update_fields",
    ),
    Case("model.adelete", MODEL, article("article-3")),
    Case(
        "model.arefresh_from_db",
        MODEL,
        article(),
        kwargs=lambda: {"fields": ["title"]},
        after=lambda row, _: row.title,
    ),
    # Module-level functions
    Case(
        "function.aprefetch_related_objects",
        _owner("django.db.models"),
        lambda: importlib.import_module("django.db.models"),
        args=lambda: (list(Article.objects.order_by("pk")), "tags"),
        project=lambda _: None,
        after=lambda _, args: prefetched(args[0]),
    ),
    Case(
        "shortcuts.aget_object_or_404",
        _owner("django.shortcuts"),
        lambda: importlib.import_module("django.shortcuts"),
        args=lambda: (Article,),
        kwargs=lambda: {"slug": "article-1"},
    ),
    Case(
        "shortcuts.aget_object_or_404",
        _owner("django.shortcuts"),
        lambda: importlib.import_module("django.shortcuts"),
        args=lambda: (Article,),
        kwargs=lambda: {"slug": "missing"},
        variant="404",
    ),
    Case(
        "shortcuts.aget_list_or_404",
        _owner("django.shortcuts"),
        lambda: importlib.import_module("django.shortcuts"),
        args=lambda: (Article.objects.order_by("pk"),),
        kwargs=lambda: {"status": "published"},
    ),
    Case(
        "shortcuts.aget_list_or_404",
        _owner("django.shortcuts"),
        lambda: importlib.import_module("django.shortcuts"),
        args=lambda: (Article,),
        kwargs=lambda: {"status": "gone"},
        variant="404",
    ),
]

# Related managers: the same seven methods on every kind of relation.
RELATIONS: dict[str, tuple[Callable[[], Any], Callable[[], Any], Callable[[], dict[str, Any]]]] = {
    # prefix: (owner manager, a new row to relate, kwargs that create one)
    "related.reverse-fk": (
        lambda: ada().articles,
        lambda: Article.objects.get(slug="article-3"),
        created_at(title="By Ada", slug="by-ada"),
    ),
    "related.m2m": (
        lambda: Article.objects.get(slug="article-2").tags,
        lambda: Tag.objects.get(name="django"),
        lambda: {"name": "async"},
    ),
    "related.m2m-reverse": (
        lambda: python_tag().articles,
        lambda: Article.objects.get(slug="article-2"),
        created_at(title="Tagged", slug="tagged"),
    ),
    "related.generic": (
        lambda: Article.objects.get(slug="article-1").notes,
        lambda: Note.objects.get(text="loose"),
        lambda: {"text": "created"},
    ),
}

RELATED_OWNERS = {
    "related.reverse-fk": lambda: Author.articles.related_manager_cls,
    "related.m2m": lambda: Article.tags.related_manager_cls,
    "related.m2m-reverse": lambda: Tag.articles.related_manager_cls,
    "related.generic": lambda: Article.notes.related_manager_cls,
}


def _contents(manager, _args: tuple[Any, ...]) -> list[Any]:
    return list(manager.all())


for _prefix, (_manager, _row, _values) in RELATIONS.items():
    _owner_of = RELATED_OWNERS[_prefix]
    CASES += [
        Case(f"{_prefix}.aadd", _owner_of, _manager, args=lambda r=_row: (r(),), after=_contents),
        Case(
            f"{_prefix}.aremove",
            _owner_of,
            _manager,
            args=lambda m=_manager: (m().first(),),
            after=_contents,
        ),
        Case(f"{_prefix}.aset", _owner_of, _manager, args=lambda r=_row: ([r()],), after=_contents),
        Case(f"{_prefix}.aclear", _owner_of, _manager, after=_contents),
        Case(f"{_prefix}.acreate", _owner_of, _manager, kwargs=_values, after=_contents),
        Case(f"{_prefix}.aget_or_create", _owner_of, _manager, kwargs=_values, after=_contents),
        Case(f"{_prefix}.aupdate_or_create", _owner_of, _manager, kwargs=_values, after=_contents),
    ]

# django.contrib.auth ---------------------------------------------------------------------------

AUTH = _owner("django.contrib.auth")
PERM = "testapp.add_article"


def _auth_module():
    return importlib.import_module("django.contrib.auth")


CASES += [
    Case(
        "auth.aauthenticate",
        AUTH,
        _auth_module,
        kwargs=lambda: {"username": "alice", "password": "wonderland"},
    ),
    Case(
        "auth.aauthenticate",
        AUTH,
        _auth_module,
        kwargs=lambda: {"username": "alice", "password": "wrong"},
        variant="wrong-password",
    ),
    Case(
        "auth.alogin",
        AUTH,
        _auth_module,
        args=lambda: (request_with_session()(), alice()),
        kwargs=lambda: {"backend": "django.contrib.auth.backends.ModelBackend"},
        after=lambda _, args: request_state(args[0]),
    ),
    Case(
        "auth.alogout",
        AUTH,
        _auth_module,
        args=lambda: (request_with_session()(),),
        after=lambda _, args: request_state(args[0]),
    ),
    Case(
        "auth.aget_user",
        AUTH,
        _auth_module,
        args=lambda: (request_with_session()(),),
        project=lambda user: (type(user).__name__, getattr(user, "username", None)),
    ),
    Case(
        "auth.aupdate_session_auth_hash",
        AUTH,
        _auth_module,
        args=lambda: (request_with_session()(), alice()),
        after=lambda _, args: request_state(args[0]),
    ),
    Case(
        "auth.acheck_password_with_timing_attack_mitigation",
        AUTH,
        _auth_module,
        args=lambda: (alice(), "wonderland"),
    ),
    Case(
        "auth.user-manager.acreate_user",
        _owner("django.contrib.auth.models:UserManager"),
        users_manager,
        args=lambda: ("bob", "bob@example.com", "builder"),
    ),
    Case(
        "auth.user-manager.acreate_superuser",
        _owner("django.contrib.auth.models:UserManager"),
        users_manager,
        args=lambda: ("root", "root@example.com", "toor"),
    ),
    Case(
        "auth.user-manager.aget_by_natural_key",
        _owner("django.contrib.auth.models:UserManager"),
        users_manager,
        args=lambda: ("alice",),
    ),
    Case(
        "auth.user.acheck_password",
        _owner("django.contrib.auth.models:User"),
        alice,
        args=lambda: ("wonderland",),
    ),
]
for _prefix, _owner_path, _receiver in (
    ("auth.user", "django.contrib.auth.models:User", alice),
    ("auth.anonymous-user", "django.contrib.auth.models:AnonymousUser", anonymous),
):
    CASES += [
        Case(f"{_prefix}.aget_all_permissions", _owner(_owner_path), _receiver),
        Case(f"{_prefix}.aget_group_permissions", _owner(_owner_path), _receiver),
        Case(f"{_prefix}.aget_user_permissions", _owner(_owner_path), _receiver),
        Case(f"{_prefix}.ahas_perm", _owner(_owner_path), _receiver, args=lambda: (PERM,)),
        Case(f"{_prefix}.ahas_perms", _owner(_owner_path), _receiver, args=lambda: ([PERM],)),
        Case(
            f"{_prefix}.ahas_module_perms",
            _owner(_owner_path),
            _receiver,
            args=lambda: ("testapp",),
        ),
    ]
_BACKEND = _owner("django.contrib.auth.backends:ModelBackend")
CASES += [
    Case(
        "auth.model-backend.aauthenticate",
        _BACKEND,
        model_backend,
        args=lambda: (None,),
        kwargs=lambda: {"username": "alice", "password": "wonderland"},
    ),
    Case("auth.model-backend.aget_user", _BACKEND, model_backend, args=lambda: (alice().pk,)),
    *(
        Case(f"auth.model-backend.{name}", _BACKEND, model_backend, args=lambda: (alice(),))
        for name in ("aget_all_permissions", "aget_group_permissions", "aget_user_permissions")
    ),
    Case("auth.model-backend.ahas_perm", _BACKEND, model_backend, args=lambda: (alice(), PERM)),
    Case(
        "auth.model-backend.ahas_module_perms",
        _BACKEND,
        model_backend,
        args=lambda: (alice(), "testapp"),
    ),
    Case(
        "auth.remote-user-backend.aauthenticate",
        _owner("django.contrib.auth.backends:RemoteUserBackend"),
        remote_backend,
        args=lambda: (None, "carol"),
    ),
    Case(
        "auth.remote-user-backend.aconfigure_user",
        _owner("django.contrib.auth.backends:RemoteUserBackend"),
        remote_backend,
        args=lambda: (None, alice()),
    ),
]

# django.contrib.sessions' database store ------------------------------------------------------

STORE = _owner("django.contrib.sessions.backends.db:SessionStore")
STORE_CALLS: dict[str, tuple[Callable[[], tuple[Any, ...]], str | None]] = {
    # member: (arguments, twin when it is not the name without "a")
    "aget": (lambda: ("colour",), None),
    "akeys": (tuple, None),
    "aitems": (tuple, None),
    "avalues": (tuple, None),
    "ahas_key": (lambda: ("colour",), None),
    "apop": (lambda: ("colour",), None),
    "asetdefault": (lambda: ("size", 3), None),
    "aset": (lambda: ("size", 4), "__setitem__"),
    "aupdate": (lambda: ({"size": 5},), None),
    "aflush": (tuple, None),
    "acycle_key": (tuple, None),
    "asave": (tuple, None),
    "aexists": (lambda: ("conformancesessionkey0001",), None),
    "acreate": (tuple, None),
    "adelete": (tuple, None),
    "aload": (tuple, None),
    "aclear_expired": (tuple, None),
    "aget_expiry_age": (tuple, None),
    "aget_expiry_date": (tuple, None),
    "aset_expiry": (lambda: (300,), None),
    "aget_expire_at_browser_close": (tuple, None),
    "aset_test_cookie": (tuple, None),
    "atest_cookie_worked": (tuple, None),
    "adelete_test_cookie": (tuple, None),
    "acreate_model_instance": (lambda: ({"k": "v"},), None),
}


CASES += [
    Case(
        f"sessions.db-store.{name}",
        STORE,
        session_store,
        args=args,
        twin=twin,
        project=session_value,
        after=session_data,
    )
    for name, (args, twin) in STORE_CALLS.items()
]

# django.core.paginator's async classes, against the sync ones -------------------------------

_PAGINATOR = _owner("django.core.paginator:AsyncPaginator")
_PAGE = _owner("django.core.paginator:AsyncPage")
CASES += [
    Case(
        "paginator.async-paginator.acount",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        twin="count",
        twin_receiver=paginator("Paginator"),
    ),
    Case(
        "paginator.async-paginator.anum_pages",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        twin="num_pages",
        twin_receiver=paginator("Paginator"),
    ),
    Case(
        "paginator.async-paginator.apage_range",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        twin="page_range",
        twin_receiver=paginator("Paginator"),
        project=list,
    ),
    Case(
        "paginator.async-paginator.avalidate_number",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        args=lambda: (2,),
        twin_receiver=paginator("Paginator"),
    ),
    Case(
        "paginator.async-paginator.avalidate_number",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        args=lambda: (9,),
        twin_receiver=paginator("Paginator"),
        variant="out-of-range",
    ),
    Case(
        "paginator.async-paginator.apage",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        args=lambda: (2,),
        twin_receiver=paginator("Paginator"),
        project=page_content,
    ),
    Case(
        "paginator.async-paginator.aget_page",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        args=lambda: ("last",),
        twin_receiver=paginator("Paginator"),
        project=page_content,
    ),
    Case(
        "paginator.async-paginator.aget_elided_page_range",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        twin_receiver=paginator("Paginator"),
        project=list,
    ),
    Case(
        "paginator.async-paginator.__aiter__",
        _PAGINATOR,
        paginator("AsyncPaginator"),
        twin="__iter__",
        twin_receiver=paginator("Paginator"),
        project=lambda pages: [page_content(p) for p in pages],
    ),
    *(
        Case(
            f"paginator.async-page.{name}",
            _PAGE,
            page("AsyncPaginator"),
            twin_receiver=page("Paginator"),
        )
        for name in (
            "ahas_next",
            "ahas_previous",
            "ahas_other_pages",
            "anext_page_number",
            "aprevious_page_number",
            "astart_index",
            "aend_index",
        )
    ),
    Case(
        "paginator.async-page.aget_object_list",
        _PAGE,
        page("AsyncPaginator"),
        twin="object_list",
        twin_receiver=page("Paginator"),
        project=list,
    ),
    Case(
        "paginator.async-page.__aiter__",
        _PAGE,
        page("AsyncPaginator"),
        twin="__iter__",
        twin_receiver=page("Paginator"),
    ),
]
