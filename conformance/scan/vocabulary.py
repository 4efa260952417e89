"""Names the scan recognises, mapped to the kit's feature ids.

Kept apart from the analysis so that supporting one more Django API is one table entry. Every
id here is one the kit measures (``conformance/features.py`` and the data files), so a finding's
verdict can be looked up in a merged results file.
"""

from __future__ import annotations

# QuerySet methods that return another QuerySet: a chain of them is still unevaluated.
QUERYSET_BUILDERS = frozenset(
    {
        "all", "alias", "annotate", "complex_filter", "dates", "datetimes", "defer", "difference",
        "distinct", "exclude", "extra", "filter", "intersection", "none", "only", "order_by",
        "prefetch_related", "raw", "reverse", "select_for_update", "select_related", "union",
        "using", "values", "values_list",
    }
)  # fmt: skip

# QuerySet methods that run a query, each with its ``a``-prefixed async twin.
QUERYSET_ASYNC = frozenset(
    {
        "aaggregate", "abulk_create", "abulk_update", "acontains", "acount", "acreate", "adelete",
        "aearliest", "aexists", "aexplain", "afirst", "aget", "aget_or_create", "ain_bulk",
        "aiterator", "alast", "alatest", "aupdate", "aupdate_or_create",
    }
)  # fmt: skip
QUERYSET_SYNC = frozenset(name[1:] for name in QUERYSET_ASYNC)

# Async methods returning one model instance: the variable they are assigned to is an instance.
INSTANCE_RETURNING = frozenset(
    {"aget", "afirst", "alast", "aearliest", "alatest", "acreate", "aget_or_create",
     "aupdate_or_create", "get", "first", "last", "earliest", "latest", "create",
     "get_or_create", "update_or_create"}
)  # fmt: skip
# Of those, the ones that build the instance from their keyword arguments (relations included).
INSTANCE_BUILDING = frozenset(
    {"acreate", "aget_or_create", "aupdate_or_create", "create", "get_or_create",
     "update_or_create"}
)  # fmt: skip

# Related managers: the methods they add to a QuerySet's, and the relation kinds of the kit.
RELATED_ASYNC = frozenset(
    {"aadd", "aclear", "acreate", "aget_or_create", "aremove", "aset", "aupdate_or_create"}
)
RELATED_SYNC = frozenset(name[1:] for name in RELATED_ASYNC)
# Sync many-to-many writes the kit measures as patterns of their own.
M2M_PATTERNS = {name: f"pattern.m2m-{name}" for name in ("add", "remove", "set", "clear")}

MODEL_ASYNC = frozenset({"asave", "adelete", "arefresh_from_db"})
MODEL_SYNC = frozenset(name[1:] for name in MODEL_ASYNC)

USER_MANAGER_ASYNC = frozenset({"acreate_user", "acreate_superuser", "aget_by_natural_key"})
USER_MANAGER_SYNC = frozenset(name[1:] for name in USER_MANAGER_ASYNC)
USER_ASYNC = frozenset(
    {"acheck_password", "aget_all_permissions", "aget_group_permissions",
     "aget_user_permissions", "ahas_module_perms", "ahas_perm", "ahas_perms"}
)  # fmt: skip
USER_SYNC = frozenset(name[1:] for name in USER_ASYNC)

SESSION_ASYNC = frozenset(
    {
        "aclear_expired", "acreate", "acreate_model_instance", "acycle_key", "adelete",
        "adelete_test_cookie", "aexists", "aflush", "aget", "aget_expire_at_browser_close",
        "aget_expiry_age", "aget_expiry_date", "ahas_key", "aitems", "akeys", "aload", "apop",
        "asave", "aset", "aset_expiry", "aset_test_cookie", "asetdefault", "atest_cookie_worked",
        "aupdate", "avalues",
    }
)  # fmt: skip
SIGNAL_ASYNC = frozenset({"asend", "asend_robust"})

# Module-level async functions, and their sync twins with the module that must import them.
FUNCTIONS_ASYNC = {
    "aget_object_or_404": "shortcuts.aget_object_or_404",
    "aget_list_or_404": "shortcuts.aget_list_or_404",
    "aprefetch_related_objects": "function.aprefetch_related_objects",
    "aauthenticate": "auth.aauthenticate",
    "alogin": "auth.alogin",
    "alogout": "auth.alogout",
    "aget_user": "auth.aget_user",
    "aupdate_session_auth_hash": "auth.aupdate_session_auth_hash",
}
FUNCTIONS_SYNC_MODULES = {
    "get_object_or_404": "django.shortcuts",
    "get_list_or_404": "django.shortcuts",
    "prefetch_related_objects": "django.db.models",
    "authenticate": "django.contrib.auth",
    "login": "django.contrib.auth",
    "logout": "django.contrib.auth",
    "get_user": "django.contrib.auth",
    "update_session_auth_hash": "django.contrib.auth",
}

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

# Manager attributes every model has; a model's own managers are added from its source.
DEFAULT_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})

ASYNC_FOR = "queryset.async-for"
AITERATOR = "queryset.aiterator"
ATOMIC_ASYNC_WITH = "transaction.atomic-async-with"
LAZY_FORWARD_FK = "pattern.lazy-forward-fk"
PROPERTY_QUERY = "pattern.model-property-query"
PREFETCH_AITERATOR = "pattern.prefetch-related-aiterator"
PREFETCH_AITERATOR_CHUNK_SIZE = "pattern.prefetch-related-aiterator-chunk-size"

# Features a results file may lack, and the kit's measured pattern that stands for them.
MEASURED_AS = {ATOMIC_ASYNC_WITH: "pattern.atomic-block"}
