"""The scan types receivers before it reads names: one behaviour per test, each a small project
written to a temporary folder and scanned with the vocabulary of a real run."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conformance.scan.finder import Finding, find
from conformance.scan.sources import python_files
from conformance.scan.tree import parse_tree
from conformance.scan.vocabulary import Vocabulary
from tests.test_scan import CORPUS, MODELS, VOCABULARY


def scan(tmp_path: Path, files: dict[str, str]) -> list[Finding]:
    """Write ``files`` (relative path -> source) under an ``app`` with the shared models."""
    app = tmp_path / "app"
    for name, source in {"models.py": MODELS, **files}.items():
        path = app / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    tree, skipped = parse_tree(python_files([app]).files, VOCABULARY)
    assert skipped == []
    return find(tree)


def features(found: list[Finding]) -> list[tuple[int, str]]:
    return [(f.line, f.feature) for f in found]


def test_a_serializers_asave_is_not_the_models(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from rest_framework import serializers
            from .models import Article

            class ArticleSerializer(serializers.ModelSerializer):
                class Meta:
                    model = Article

            async def create(data):
                serializer = ArticleSerializer(data=data)
                await serializer.asave()
                checked = ArticleSerializer(data=data)
                await checked.asave()
            """
        },
    )
    assert found == []


def test_a_receiver_annotated_with_a_third_party_class_is_never_a_finding(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from somelib.clients import Store

            async def push(store: Store):
                await store.asave()
                await store.adelete()
            """
        },
    )
    assert found == []


def test_an_aliased_django_shortcut_is_found(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from django.shortcuts import aget_object_or_404 as get_or_404
            from .models import Article

            async def view(pk):
                return await get_or_404(Article, pk=pk)
            """
        },
    )
    assert features(found) == [(6, "shortcuts.aget_object_or_404")]


def test_a_shortcut_re_exported_by_a_module_of_the_tree_is_found(tmp_path):
    found = scan(
        tmp_path,
        {
            "helpers.py": "from django.shortcuts import aget_object_or_404\n",
            "views.py": """
            from .helpers import aget_object_or_404
            from .models import Article

            async def view(pk):
                return await aget_object_or_404(Article, pk=pk)
            """,
        },
    )
    assert features(found) == [(6, "shortcuts.aget_object_or_404")]


def test_a_projects_own_function_of_a_django_name_is_not_djangos(tmp_path):
    found = scan(
        tmp_path,
        {
            "helpers.py": "async def aget_object_or_404(model, **kwargs):\n    return None\n",
            "views.py": """
            from .helpers import aget_object_or_404
            from .models import Article

            async def view(pk):
                return await aget_object_or_404(Article, pk=pk)
            """,
        },
    )
    assert found == []


def test_a_queryset_narrowed_by_isinstance_is_a_queryset_in_that_branch_only(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from django.db.models import QuerySet

            async def total(source):
                if isinstance(source, QuerySet):
                    return await source.acount()
                return len(source)
            """
        },
    )
    assert features(found) == [(6, "queryset.acount")]


def test_a_manager_obtained_with_getattr_on_an_instance_is_a_related_manager(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from .models import Article

            async def attach(pk, field_name, tag):
                article = await Article.objects.aget(pk=pk)
                manager = getattr(article, field_name)
                await manager.aset([tag])
            """
        },
    )
    assert features(found) == [(5, "queryset.aget"), (7, "related.m2m.aset")]


def test_a_relation_name_on_an_object_that_is_not_a_model_instance_is_no_finding(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            class Bag:
                def __init__(self, tags):
                    self.tags = tags

            async def labels(bag: Bag, result):
                names = [str(t) for t in bag.tags]
                for t in result.tags:
                    names.append(str(t))
                return names
            """
        },
    )
    assert found == []


def test_a_test_models_relations_only_count_in_files_that_import_it(tmp_path):
    test_models = """
    from django.db import models

    class Kind(models.Model):
        pass

    class Holder(models.Model):
        types = models.ManyToManyField(Kind)
    """
    found = scan(
        tmp_path,
        {
            "tests/models.py": test_models,
            "views.py": """
            async def describe(holder):
                return [str(t) for t in holder.types.all()]
            """,
            "tests/test_views.py": """
            from .models import Holder

            async def test_holder(holder: Holder):
                await holder.types.aadd(1)
            """,
        },
    )
    assert [(Path(f.path).name, f.feature) for f in found] == [
        ("test_views.py", "related.m2m.aadd")
    ]


def test_an_async_paginator_and_its_page_are_typed_from_their_constructor(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from django.core.paginator import AsyncPaginator
            from .models import Article

            async def listing(number):
                paginator = AsyncPaginator(Article.objects.order_by("pk"), 10)
                page = await paginator.apage(number)
                return await page.ahas_next()
            """
        },
    )
    assert features(found) == [
        (7, "paginator.async-paginator.apage"),
        (8, "paginator.async-page.ahas_next"),
    ]


def test_a_sync_atomic_block_and_sync_queries_in_a_coroutine_are_found(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from django.db import transaction
            from .models import Article

            async def publish():
                with transaction.atomic():
                    articles = Article.objects.filter(author__isnull=False)
                    count = articles.count()
                    size = len(articles)
                    for article in articles:
                        pass
                return count, size
            """
        },
    )
    assert features(found) == [
        (6, "pattern.atomic-block"),
        (8, "queryset.acount"),
        (9, "queryset.async-for"),
        (10, "queryset.async-for"),
    ]


def test_an_a_method_no_release_has_is_reported_on_a_queryset(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from .models import Article

            async def everything():
                first = await Article.objects.filter(pk__gt=0).alist()
                second = await Article.objects.aall()
                return first, second
            """
        },
    )
    assert features(found) == [(5, "queryset.alist"), (6, "queryset.aall")]


def test_sync_to_async_around_a_session_save_is_the_native_asave(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from asgiref.sync import sync_to_async

            async def remember(request):
                request.session["seen"] = True
                await sync_to_async(request.session.save)()
            """
        },
    )
    assert [(f.line, f.feature, f.form) for f in found] == [
        (5, "sessions.db-store.aset", "sync"),
        (6, "sessions.db-store.asave", "wrapped"),
    ]


def test_a_queryset_returned_by_a_method_or_a_property_is_a_queryset(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from .models import Article

            class Feed:
                def recent(self):
                    return Article.objects.order_by("-pk")

                @property
                def drafts(self):
                    return self.recent().filter(author__isnull=True)

            async def counts(feed: Feed):
                return await feed.recent().acount(), [a async for a in feed.drafts]
            """
        },
    )
    assert features(found) == [(13, "queryset.acount"), (13, "queryset.async-for")]


def test_a_receiver_typed_by_its_name_alone_is_reported_as_not_certain(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from .models import Article

            async def typed(pk):
                article = await Article.objects.aget(pk=pk)
                await article.asave()

            async def guessed(article):
                await article.asave()
            """
        },
    )
    assert [(f.line, f.certain) for f in found if f.feature == "model.asave"] == [
        (6, True),
        (9, False),
    ]


def test_a_local_name_shadows_an_import_of_the_same_name(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from asgiref.sync import sync_to_async
            from django.db import transaction
            from .models import Article

            async def close(pk):
                for transaction in Article.objects.filter(pk=pk):
                    await sync_to_async(transaction.save)()
            """
        },
    )
    assert features(found) == [(7, "queryset.async-for"), (8, "model.asave")]


def test_a_file_with_a_bom_or_a_coding_line_is_read_as_python_reads_it(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "models.py").write_text(MODELS, encoding="utf-8")
    view = textwrap.dedent(
        """\
        from .models import Article

        async def v():
            return await Article.objects.aget()
        """
    )
    (app / "bom.py").write_bytes(b"\xef\xbb\xbf" + view.encode("utf-8"))
    latin = "# -*- coding: latin-1 -*-\n# Grüße\n" + view
    (app / "latin.py").write_bytes(latin.encode("latin-1"))
    tree, skipped = parse_tree(python_files([app]).files, VOCABULARY)
    assert skipped == []
    assert sorted((Path(f.path).name, f.line) for f in find(tree)) == [
        ("bom.py", 4),
        ("latin.py", 6),
    ]


def test_a_deeply_nested_expression_gives_a_shorter_excerpt_not_a_traceback(tmp_path):
    nested = "1" + " + 1" * 950
    found = scan(
        tmp_path,
        {
            "views.py": f"""
            from .models import Article

            async def deep():
                return await Article.objects.filter(pk={nested}).acount()
            """
        },
    )
    assert features(found) == [(5, "queryset.acount")]
    assert len(found[0].code) <= 80


def test_a_file_too_deep_for_the_parser_is_listed_with_its_reason(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "deep.py").write_text("x = " + "1" + " + 1" * 50_000 + "\n", encoding="utf-8")
    _, skipped = parse_tree(python_files([app]).files, VOCABULARY)
    assert len(skipped) == 1
    assert "deep.py: cannot be parsed (RecursionError" in skipped[0]


def test_optional_annotations_and_declared_return_types_type_a_receiver(tmp_path):
    found = scan(
        tmp_path,
        {
            "services.py": """
            from .models import Article

            def latest() -> "Article | None":
                return None
            """,
            "views.py": """
            from typing import Optional
            from . import models
            from .services import latest

            async def view(given: Optional[models.Article]):
                await given.asave()
                article = latest()
                await article.adelete()
                return await models.Article.objects.acount()
            """,
        },
    )
    assert [(f.line, f.feature, f.certain) for f in found] == [
        (7, "model.asave", True),
        (9, "model.adelete", True),
        (10, "queryset.acount", True),
    ]


def test_djangos_own_signals_are_typed_as_signals(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from django.db.models import signals
            from django.db.models.signals import post_save
            from .models import Article

            async def notify(article: Article):
                await post_save.asend(sender=Article, instance=article)
                await signals.pre_save.asend_robust(sender=Article, instance=article)
            """
        },
    )
    assert [(f.feature, f.certain) for f in found] == [
        ("dispatch.signal.asend", True),
        ("dispatch.signal.asend_robust", True),
    ]


def test_get_queryset_is_a_queryset_whatever_the_receiver(tmp_path):
    found = scan(
        tmp_path,
        {
            "managers.py": """
            from django.db import models

            class PublishedManager(models.Manager):
                def get_queryset(self):
                    return super().get_queryset().filter(author__isnull=False)
            """,
            "views.py": """
            from adrf.views import APIView

            class Listing(APIView):
                async def get(self, request):
                    return await self.get_queryset().acount()
            """,
        },
    )
    assert [(f.feature, f.certain) for f in found] == [("queryset.acount", True)]


def test_models_of_an_app_outside_the_scan_are_read_as_models_not_as_another_librarys(
    tmp_path,
):
    found = scan(
        tmp_path,
        {
            "craft.py": """
            from inventory.models import Recipe

            async def materials(recipe: Recipe):
                names = [m.name async for m in recipe.materials.select_related("kind").all()]
                return names, await recipe.materials.filter(used=False).aexists()
            """
        },
    )
    assert [(f.feature, f.certain) for f in found] == [
        ("queryset.async-for", False),
        ("queryset.aexists", False),
    ]


def test_a_custom_queryset_method_from_outside_the_scan_keeps_the_chain_a_queryset(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from lms.models import Enrollment

            async def stats(course_id):
                rows = await Enrollment.objects.for_course(course_id).active().aaggregate()
                return rows, await Enrollment.objects.for_course(course_id).count_cached()
            """
        },
    )
    assert [(f.line, f.feature, f.certain) for f in found] == [(5, "queryset.aaggregate", False)]


def test_a_relation_of_a_model_outside_the_scan_is_a_manager_where_a_query_is_awaited(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from asgiref.sync import sync_to_async
            from shop.models import Customer

            async def order_of(customer_id, order_id):
                customer = await Customer.objects.aget(pk=customer_id)
                order = await customer.orders.aget(pk=order_id)
                await customer.region.adelete()
                names = await sync_to_async(list)(order.items.values_list("name"))
                return order, names, customer.nickname.upper()
            """
        },
    )
    assert [(f.line, f.feature, f.form, f.certain) for f in found] == [
        (6, "queryset.aget", "async", True),
        (7, "queryset.aget", "async", False),
        (8, "model.adelete", "async", False),
        (9, "queryset.async-for", "wrapped", False),
    ]


def test_two_apps_models_of_one_name_keep_their_own_relations(tmp_path):
    found = scan(
        tmp_path,
        {
            "accounts/models.py": """
            from django.db import models

            class Team(models.Model):
                members = models.ManyToManyField("accounts.Profile", related_name="teams")

            class Profile(models.Model):
                pass
            """,
            "shop/models.py": """
            from django.db import models

            class Profile(models.Model):
                pass

            class Order(models.Model):
                buyer = models.ForeignKey(Profile, models.CASCADE, related_name="orders")
            """,
            "shop/views.py": """
            from .models import Profile

            async def checkout(profile: Profile, team):
                order = await profile.orders.acreate()
                await profile.teams.aadd(team)
                return order
            """,
        },
    )
    assert [(Path(f.path).name, f.line, f.feature) for f in found] == [
        ("views.py", 5, "related.reverse-fk.acreate")
    ]


def test_a_deep_attribute_chain_anywhere_in_a_file_gives_no_traceback(tmp_path):
    chain = "a" + ".b" * 900
    found = scan(
        tmp_path,
        {
            "views.py": f"""
            from .models import Article

            x = {chain}()

            async def deep(a):
                y = {chain}
                return await Article.objects.acount()
            """
        },
    )
    assert features(found) == [(8, "queryset.acount")]


def test_super_is_typed_as_the_classes_base(tmp_path):
    found = scan(
        tmp_path,
        {
            "stores.py": """
            from django.contrib.sessions.backends.db import SessionStore as DBStore
            from django.db import models

            class AuditedStore(DBStore):
                async def asave(self, must_create=False):
                    await super().asave(must_create)

            class Page(models.Model):
                async def asave(self, *args, **kwargs):
                    await super().asave(*args, **kwargs)
            """
        },
    )
    assert [(f.line, f.feature, f.certain) for f in found] == [
        (7, "sessions.db-store.asave", True),
        (11, "model.asave", True),
    ]


def test_truth_tests_and_membership_on_a_queryset_are_sync_queries(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from .models import Article

            async def check(article):
                drafts = Article.objects.filter(author__isnull=True)
                if drafts and article is not None:
                    return article in drafts
                return None
            """
        },
    )
    assert [(f.line, f.feature, f.form) for f in found] == [
        (6, "queryset.async-for", "sync"),
        (7, "queryset.acontains", "sync"),
    ]


def test_async_iteration_over_a_paginators_page_and_the_request_user(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from django.core.paginator import AsyncPaginator
            from .models import Article

            async def listing(request):
                user = await request.auser()
                page = await AsyncPaginator(Article.objects.order_by("pk"), 5).apage(1)
                return user, [article async for article in page]
            """
        },
    )
    assert features(found) == [
        (6, "auth.middleware.auser"),
        (7, "paginator.async-paginator.apage"),
        (8, "paginator.async-page.__aiter__"),
    ]


def test_sync_session_access_in_a_coroutine_is_found(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            async def remember(request, aiohttp_session):
                request.session["seen"] = True
                last = request.session.get("last")
                del request.session["old"]
                async with aiohttp_session.get("https://example.com") as response:
                    return last, response
            """
        },
    )
    assert [(f.line, f.feature, f.form) for f in found] == [
        (3, "sessions.db-store.aset", "sync"),
        (4, "sessions.db-store.aget", "sync"),
        (5, "sessions.db-store.apop", "sync"),
    ]


def test_a_union_annotation_with_a_queryset_may_query_and_is_not_certain(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from typing import List, Union
            from django.db.models import QuerySet

            async def first_titles(rows: Union[List, QuerySet], names: Union[List, str]):
                titles = [row.title for row in rows]
                return titles, [name for name in names]
            """
        },
    )
    assert [(f.line, f.feature, f.form, f.certain) for f in found] == [
        (6, "queryset.async-for", "sync", False)
    ]


def test_in_an_attribute_error_handler_the_probed_receiver_is_no_queryset(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from django.db.models import QuerySet

            async def count(rows: QuerySet):
                try:
                    return await rows.all().acount()
                except (AttributeError, TypeError):
                    return len(rows)
                finally:
                    print(len(rows))
            """
        },
    )
    assert features(found) == [(6, "queryset.acount"), (10, "queryset.async-for")]


def test_a_shortcut_from_a_resolvable_star_import_is_found(tmp_path):
    found = scan(
        tmp_path,
        {
            "helpers.py": "from django.shortcuts import aget_object_or_404\n",
            "views.py": """
            from .helpers import *
            from .models import Article

            async def show(pk):
                return await aget_object_or_404(Article, pk=pk)
            """,
        },
    )
    assert features(found) == [(6, "shortcuts.aget_object_or_404")]


def test_a_third_party_client_or_cache_with_django_method_names_is_no_finding(tmp_path):
    found = scan(
        tmp_path,
        {
            "views.py": """
            from aiocache import Cache
            from httpx import AsyncClient

            async def fetch(key, session):
                cache = Cache()
                await cache.aset(key, 1)
                client = AsyncClient()
                await client.alogin(session)
                return await cache.aget(key)
            """
        },
    )
    assert found == []


def test_djangos_test_client_is_typed_from_its_constructor(tmp_path):
    found = scan(
        tmp_path,
        {
            "tests.py": """
            from django.test import AsyncClient

            async def test_login(user):
                browser = AsyncClient()
                await browser.aforce_login(user)
            """
        },
    )
    assert features(found) == [(6, "test.client.aforce_login")]


def test_an_api_the_results_start_measuring_is_found_with_no_list_kept_by_hand(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "views.py").write_text(
        "async def view(request):\n    await request.session.arotate()\n", encoding="utf-8"
    )
    files = python_files([app]).files
    measured = (CORPUS / "measured_features.txt").read_text(encoding="utf-8").split()
    before, _ = parse_tree(files, VOCABULARY)
    after, _ = parse_tree(files, Vocabulary.from_features([*measured, "sessions.db-store.arotate"]))
    assert find(before) == []
    assert features(find(after)) == [(2, "sessions.db-store.arotate")]
