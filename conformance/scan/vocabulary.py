"""Names the scan recognises, mapped to the kit's feature ids.

The async APIs themselves come from the results file (``Vocabulary``): what the kit measures
is what the scan finds. What stays here is Django's shape that no results file carries: which
QuerySet methods build QuerySets, which return instances, where a relation's kind shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from conformance.features import OWNERS

# QuerySet methods that return another QuerySet: a chain of them is still unevaluated.
QUERYSET_BUILDERS = frozenset(
    {
        "all", "alias", "annotate", "complex_filter", "dates", "datetimes", "defer", "difference",
        "distinct", "exclude", "extra", "filter", "intersection", "none", "only", "order_by",
        "prefetch_related", "raw", "reverse", "select_for_update", "select_related", "union",
        "using", "values", "values_list",
    }
)  # fmt: skip

# QuerySet methods that run a query without an ``a``-twin of the same shape: their sync forms
# still evaluate in a coroutine (``qs.count()``), found from the measured ``a``-methods.
# Builders only Django's QuerySet has (SQLAlchemy has ``filter``/``order_by``, a dict has
# ``values``): a chain through one of them is a QuerySet even where its root is untyped.
DJANGO_ONLY_BUILDERS = frozenset(
    {"select_related", "prefetch_related", "annotate", "values_list", "exclude", "defer",
     "select_for_update", "datetimes", "complex_filter"}
)  # fmt: skip

# Methods returning one model instance: the variable they are assigned to is an instance.
INSTANCE_RETURNING = frozenset(
    {"aget", "afirst", "alast", "aearliest", "alatest", "acreate", "aget_or_create",
     "aupdate_or_create", "get", "first", "last", "earliest", "latest", "create",
     "get_or_create", "update_or_create", "acreate_user", "create_user", "acreate_superuser",
     "create_superuser"}
)  # fmt: skip
# Of those, the ones that build the instance from their keyword arguments (relations included).
INSTANCE_BUILDING = frozenset(
    {"acreate", "aget_or_create", "aupdate_or_create", "create", "get_or_create",
     "update_or_create"}
)  # fmt: skip

# Sync many-to-many writes the kit measures as patterns of their own.
M2M_PATTERNS = {name: f"pattern.m2m-{name}" for name in ("add", "remove", "set", "clear")}

# The member an owner's ``async for`` is measured as (``paginator.async-page.__aiter__``).
ASYNC_ITERATION = "__aiter__"
# ``session[key]`` read, written or deleted: the session method doing the same work.
SESSION_ITEM_ACCESS = {"Load": "aget", "Store": "aset", "Del": "apop"}
# Async functions Django's middleware binds onto the request, by attribute, with their origin.
REQUEST_FUNCTIONS = {"auser": "django.contrib.auth.middleware.auser"}

# Owners whose features are variants or add-ons of stock APIs: never matched in user code.
_NOT_STOCK = ("hooks.", "custom-user.", "async-backend.", "pattern.", "production.")
# Classes Django exports under another name than the owner's (``django.test.AsyncClient``).
CLASS_ALIASES = {"AsyncClient": "Client", "AsyncRequestFactory": "RequestFactory"}


@dataclass(frozen=True)
class Vocabulary:
    """The async APIs a results file measures, by owner: the scan's whole list of names.

    Built from feature ids (``paginator.async-paginator.apage``) and the kit's owner table
    (``conformance.features.OWNERS``, which says where each owner lives in Django), so an API
    the kit starts measuring is one the scan finds, with no list kept here by hand.
    """

    methods: dict[str, frozenset[str]]  # owner prefix -> its measured ``a``-methods
    functions: dict[str, str]  # "django.shortcuts.aget_object_or_404" -> feature id
    classes: dict[str, str]  # "django.core.paginator.AsyncPaginator" -> owner prefix

    @classmethod
    def from_features(cls, feature_ids: Iterable[str]) -> Vocabulary:
        methods: dict[str, set[str]] = {}
        functions: dict[str, str] = {}
        for feature_id in feature_ids:
            if feature_id.startswith(_NOT_STOCK):
                continue
            prefixes = [p for p in OWNERS if feature_id.startswith(f"{p}.")]
            if not prefixes:
                continue
            prefix = max(prefixes, key=len)
            name = feature_id[len(prefix) + 1 :]
            if not name.startswith(("a", ASYNC_ITERATION)) or "." in name:
                continue
            path = OWNERS[prefix].path or ""
            if path and ":" not in path:
                functions[f"{path}.{name}"] = feature_id
            else:
                methods.setdefault(prefix, set()).add(name)
        classes = {
            owner.path.replace(":", "."): prefix
            for prefix, owner in OWNERS.items()
            if owner.path and ":" in owner.path
        }
        return cls({k: frozenset(v) for k, v in methods.items()}, functions, classes)

    @property
    def names(self) -> frozenset[str]:
        """Every measured API's own name (``aget``, ``auser``): what a ``hasattr`` test of
        whether the async API exists asks about."""
        functions = (path.rpartition(".")[2] for path in self.functions)
        return frozenset().union(*self.methods.values(), functions)

    def of(self, owner: str) -> frozenset[str]:
        return self.methods.get(owner, frozenset())

    def sync_of(self, owner: str) -> frozenset[str]:
        """The sync twins of an owner's measured ``a``-methods (``aget`` -> ``get``)."""
        return frozenset(name[1:] for name in self.of(owner))

    def owner_of_class(self, qualified: str) -> str | None:
        """The owner of a Django class, by its import path or, failing that, its name alone
        (Django re-exports classes from package roots: ``django.test.Client``)."""
        if qualified in self.classes:
            return self.classes[qualified]
        name = qualified.rpartition(".")[2]
        name = CLASS_ALIASES.get(name, name)
        owners = {o for path, o in self.classes.items() if path.rpartition(".")[2] == name}
        return owners.pop() if len(owners) == 1 else None

    def function(self, qualified: str) -> str | None:
        """The feature of a Django function by its import path; ``django.<name>`` (a name whose
        module is unknown, from a star import the tree cannot resolve) by its name alone."""
        if qualified in self.functions:
            return self.functions[qualified]
        module, _, name = qualified.rpartition(".")
        found = {f for path, f in self.functions.items() if path.rpartition(".")[2] == name}
        return found.pop() if len(found) == 1 and module == "django" else None

    def sync_function(self, qualified: str) -> str | None:
        """``django.shortcuts.get_object_or_404`` -> the feature of its ``a``-twin."""
        module, _, name = qualified.rpartition(".")
        return self.function(f"{module}.a{name}") if module.startswith("django") else None


# Built-ins that evaluate an iterable: ``list(qs)`` in a coroutine is a sync query.
EVALUATING_BUILTINS = frozenset({"list", "tuple", "set", "sorted", "len", "bool", "sum"})

# Wrappers that run a sync callable in a thread, so what they wrap is not a sync call in the loop.
SYNC_TO_ASYNC = frozenset({"sync_to_async", "database_sync_to_async"})

# Names Django itself gives QuerySets (generic views, paginators), and their endings, read as
# a QuerySet where only a QuerySet would work.
QUERYSET_NAMES = frozenset({"queryset", "qs", "object_list"})
QUERYSET_NAME_SUFFIXES = ("_qs", "_queryset")

# Annotations that say a parameter holds a QuerySet (``qs: QuerySet[Article]``).
QUERYSET_ANNOTATIONS = frozenset({"QuerySet", "Manager", "BaseManager"})

# Base-class name endings of QuerySets and managers (``models.QuerySet``, ``BaseUserManager``).
QUERYSET_CLASS_SUFFIXES = ("QuerySet", "Manager")

# Django's abstract models a project's model may derive from without a base named ``...Model``.
DJANGO_MODEL_BASES = frozenset({"AbstractUser", "AbstractBaseUser", "PermissionsMixin"})

# Manager attributes every model has; a model's own managers are added from its source.
DEFAULT_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})

ASYNC_FOR = "queryset.async-for"
AITERATOR = "queryset.aiterator"
CONTAINS = "queryset.acontains"
ATOMIC_ASYNC_WITH = "transaction.atomic-async-with"
LAZY_FORWARD_FK = "pattern.lazy-forward-fk"
PROPERTY_QUERY = "pattern.model-property-query"
PREFETCH_AITERATOR = "pattern.prefetch-related-aiterator"
PREFETCH_AITERATOR_CHUNK_SIZE = "pattern.prefetch-related-aiterator-chunk-size"

# Features a results file may lack, and the kit's measured pattern that stands for them.
MEASURED_AS = {ATOMIC_ASYNC_WITH: "pattern.atomic-block"}
SIGNAL = "dispatch.signal"  # the owner of Django's signals (``post_save.asend``)

# A sync ``with transaction.atomic():`` in a coroutine: the kit's atomic-block pattern.
ATOMIC_SYNC_WITH = "pattern.atomic-block"

# Owners whose instances are found by the receiver's name where no type says otherwise, and
# the name endings that suggest them (``request.session``, ``request.user``).
OWNERS_BY_NAME = {"session": "sessions.db-store", "user": "auth.user"}
# Receiver name endings of well-known non-Django objects with ``a``-methods of the same name
# (DRF/adrf serializers, django-ninja schemas, forms of form libraries, cache clients).
FOREIGN_NAME_SUFFIXES = (
    "serializer", "schema", "form", "cache", "caches", "redis", "channel_layer",
)  # fmt: skip

# What an owner's method returns, where it is another owner (a fact of Django's API, so a page
# from ``await paginator.apage(n)`` is typed as the AsyncPage it is).
OWNER_RETURNS = {
    ("paginator.async-paginator", "apage"): "paginator.async-page",
    ("paginator.async-paginator", "aget_page"): "paginator.async-page",
    ("paginator.async-paginator", "page"): "paginator.async-page",
    ("paginator.async-paginator", "get_page"): "paginator.async-page",
}
# Attributes Django's test cases give every test: the test client.
TEST_CLIENT_ATTRIBUTES = frozenset({"client", "async_client"})
# ``a``-methods that exist in no release, and the form that works, for QuerySet receivers whose
# missing method reads as "evaluate it" (``alist()``, ``aall()``).
EVALUATING_FORM = "[x async for x in {queryset}]"
