from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import aget_object_or_404, get_object_or_404
from django.views import View

from . import services
from .models import Article, Author, Comment, Tag


async def article_detail(request, pk):
    article = await Article.objects.select_related("author").aget(pk=pk)  # expect: queryset.aget
    name = article.author.name
    editor = article.editor  # expect: pattern.lazy-forward-fk
    count = await article.comments.acount()  # expect: queryset.acount
    tags = [tag.name async for tag in article.tags.all()]  # expect: queryset.async-for
    return JsonResponse({"name": name, "editor": str(editor), "count": count, "tags": tags})


async def article_list(request):
    articles = Article.published.filter(title__icontains="x").order_by("-id")
    titles = []
    async for article in articles:  # expect: queryset.async-for
        titles.append(article.title)
        titles.append(article.author.name)  # expect: pattern.lazy-forward-fk
    total = await articles.acount()  # expect: queryset.acount
    empty = await Article.objects.filter(title="").aexists()  # expect: queryset.aexists
    return JsonResponse({"titles": titles, "total": total, "empty": empty})


async def tag_article(request, pk, tag_id):
    article = await aget_object_or_404(Article, pk=pk)  # expect: shortcuts.aget_object_or_404
    tag = await Tag.objects.aget(pk=tag_id)  # expect: queryset.aget
    await article.tags.aadd(tag)  # expect: related.m2m.aadd
    await tag.tagged_articles.aremove(article)  # expect: related.m2m-reverse.aremove
    await article.notes.acreate(text="tagged")  # expect: related.generic.acreate
    author = await Author.objects.aget(pk=1)  # expect: queryset.aget
    await author.articles.acreate(title="New")  # expect: related.reverse-fk.acreate
    article.title = "Retitled"
    await article.asave()  # expect: model.asave
    await article.arefresh_from_db()  # expect: model.arefresh_from_db
    return JsonResponse({})


async def sync_calls(request, pk):
    article = Article.objects.get(pk=pk)  # expect: queryset.aget
    texts = list(article.comments.filter(text__contains="x"))  # expect: queryset.async-for
    article.tags.add(1)  # expect: pattern.m2m-add
    article.tags.clear()  # expect: pattern.m2m-clear
    article.save()  # expect: model.asave
    for comment in Comment.objects.all():  # expect: queryset.async-for
        comment.delete()  # expect: model.adelete
    Comment.objects.filter(article=article).update(text="")  # expect: queryset.aupdate
    author = get_object_or_404(Author, pk=1)  # expect: shortcuts.aget_object_or_404
    author.articles.create(title="x")  # expect: related.reverse-fk.acreate
    count = article.comment_count  # expect: pattern.model-property-query
    return JsonResponse({"texts": len(texts), "count": count})


async def wrapped_calls(request, pk):
    article = await Article.objects.aget(pk=pk)  # expect: queryset.aget
    await sync_to_async(article.save)()  # expect: model.asave
    await sync_to_async(article.tags.add)(1)  # expect: related.m2m.aadd
    texts = await sync_to_async(list)(article.comments.all())  # expect: queryset.async-for
    first = await sync_to_async(lambda: Comment.objects.first())()  # expect: queryset.afirst
    name = await sync_to_async(lambda: article.author.name)()
    return JsonResponse({"texts": len(texts), "first": str(first), "name": name})


async def transactional(request):
    async with transaction.atomic():  # expect: transaction.atomic-async-with
        article = await Article.objects.acreate(title="t", author_id=1)  # expect: queryset.acreate
    return JsonResponse({"pk": article.pk})


async def iterate(request):
    titles = []
    prefetching = Article.objects.prefetch_related("tags")
    async for article in prefetching.aiterator():  # expect: pattern.prefetch-related-aiterator
        titles.append(article.title)
    async for article in Article.objects.aiterator(chunk_size=100):  # expect: queryset.aiterator
        titles.append(article.title)
    return JsonResponse({"titles": titles})


async def dashboard(request, pk):
    article = await Article.objects.aget(pk=pk)  # expect: queryset.aget
    services.level_one()
    return JsonResponse({"summary": services.summarize(article)})


class ArticleView(View):
    async def get(self, request, pk):
        article = await Article.objects.aget(pk=pk)  # expect: queryset.aget
        return JsonResponse({"has_comments": self.has_comments(article)})

    def has_comments(self, article):
        return article.comments.exists()  # expect: queryset.aexists


async def not_the_orm(request):
    data = {"a": 1}
    value = data.get("a")
    cached = cache.get("k")
    await cache.adelete("k")
    counted = [1, 2, 2].count(2)
    letters = "abc".count("a")
    session_value = request.session.get("k")  # expect: sessions.db-store.aget
    return JsonResponse({"v": value, "c": cached, "n": counted + letters, "s": session_value})


def sync_view(request, pk):
    article = Article.objects.get(pk=pk)
    article.tags.add(1)
    return JsonResponse({"author": article.author.name})


@sync_to_async
def wrapped_helper(pk):
    return Article.objects.get(pk=pk).author.name


async def uses_wrapped_helper(request, pk):
    return JsonResponse({"name": await wrapped_helper(pk)})
