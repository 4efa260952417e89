"""Rows the pattern checks need beyond the ``articles`` fixture: books, awards, profiles, a tag.

A plain function, not a fixture, so test modules can call it after requesting ``articles``
without importing fixtures across modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from testapp.models import Article, Author, Award, Book, Profile, Tag


@dataclass
class Library:
    articles: list[Article]
    authors: list[Author]
    python: Tag
    django: Tag


def library(articles: list[Article]) -> Library:
    """Books, awards and a profile for both authors of ``articles``, and a second tag."""
    authors = list(Author.objects.order_by("pk"))
    for number, author in enumerate(authors, start=1):
        Profile.objects.create(author=author, bio=f"Bio of {author.name}")
        Award.objects.create(author=author, name=f"Award {number}")
        for index in range(number + 1):
            Book.objects.create(
                author=author,
                title=f"{author.name} book {index}",
                rating=1.5 + index,
                sales=100 * (index + 1),
            )
    return Library(
        articles=articles,
        authors=authors,
        python=Tag.objects.get(name="python"),
        django=Tag.objects.create(name="django", slug="django"),
    )
