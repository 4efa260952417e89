"""Plain functions the async views call: they run in the event loop too."""

from .models import Article, Comment


def author_name(article):
    return article.author.name  # expect: pattern.lazy-forward-fk


def summarize(article):
    count = article.comments.count()  # expect: queryset.acount
    return f"{author_name(article)}: {count}"


def level_one():
    return level_two()


def level_two():
    return level_three()


def level_three():
    Comment.objects.count()  # expect: queryset.acount
    return level_four()


def level_four():
    # Four calls away from the coroutine: beyond the scan's three hops.
    return Comment.objects.exists()


def never_called_from_a_coroutine():
    return Article.objects.get(pk=1)
