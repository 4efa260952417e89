"""What the pattern checks need beyond the ``articles`` fixture: books, awards, profiles, a tag
(``library``), and each pattern's pasteable workaround as code they can run (``pasteable``).

Plain functions, not fixtures, so test modules can call them after requesting ``articles``
without importing fixtures across modules.
"""

from __future__ import annotations

import linecache
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, models, transaction

from conformance.features import FEATURES
from conformance.runner import probe
from conformance.runner.probe import Outcome
from testapp import models as testapp_models
from testapp.models import Article, Author, Award, Book, Profile, Tag

# What a workaround may name without importing it, as a user's module would have imported it:
# the testapp's models, sync_to_async, transaction, IntegrityError, the ORM's aggregates and,
# for the testing patterns, pytest. Nothing of the kit.
WORKAROUND_NAMES: dict[str, Any] = {
    **{name: value for name, value in vars(testapp_models).items() if not name.startswith("_")},
    "sync_to_async": sync_to_async,
    "transaction": transaction,
    "IntegrityError": IntegrityError,
    "pytest": pytest,
    **{name: getattr(models, name) for name in ("Avg", "Count", "Max", "Min", "Q", "Sum", "F")},
}


def workaround_text(feature_id: str) -> str:
    """A pattern's pasteable workaround (``patterns.toml``), or "" when it has none."""
    found = FEATURES.get(feature_id)
    return found.workaround.strip() if found else ""


def pasteable(feature_id: str) -> Callable[[], Awaitable[Any]] | None:
    """The feature's workaround as a coroutine function whose body is exactly its text, as a
    user pastes it into an async view; ``None`` when the feature has none. Its source is
    registered under its own file name, so the evidence quotes the text that ran."""
    text = workaround_text(feature_id)
    if not text:
        return None
    source = "async def workaround():\n" + textwrap.indent(text, "    ") + "\n"
    filename = f"<workaround {feature_id}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace = dict(WORKAROUND_NAMES)
    exec(compile(source, filename, "exec"), namespace)
    return namespace["workaround"]


def required_workaround(feature_id: str) -> Callable[[], Awaitable[Any]]:
    """``pasteable``, for a pattern whose check needs one: a missing workaround fails the check
    naming the fix, instead of a "needs sync_to_async" the page could not say how to meet."""
    found = pasteable(feature_id)
    if found is None:
        pytest.fail(
            f"{feature_id} has no workaround. Fix: add one to conformance/data/patterns.toml"
        )
    return found


def pattern_or_workaround(
    conformance: Any, feature_id: str, direct: Callable[[], Awaitable[Any]]
) -> Outcome:
    """``probe.pattern`` whose wrapped form is the feature's pasteable workaround, run as
    written; its text is annotated on the check, so the report shows exactly what ran."""
    outcome = probe.pattern(direct, required_workaround(feature_id))
    conformance.annotate(workaround=workaround_text(feature_id))
    return outcome


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
