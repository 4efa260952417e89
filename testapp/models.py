"""Models for every example in the reference, kept as small as the examples allow.

Field names follow the reference (``Article.slug``, ``status``, ``views``...) so that its
examples run as written, adapted only in the model names they import.
"""

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from testapp import hooks


class Note(models.Model):
    """Attached to articles through a generic relation, for the generic related manager."""

    content_type = models.ForeignKey(ContentType, models.CASCADE)
    object_id = models.PositiveIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    text = models.CharField(max_length=200)

    class Meta:
        ordering = ["pk"]


class Author(models.Model):
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["pk"]


class Profile(models.Model):
    """The dashboard example selects ``Author.profile``."""

    author = models.OneToOneField(Author, models.CASCADE, related_name="profile")
    bio = models.TextField(blank=True)


class Award(models.Model):
    """The dashboard example prefetches ``Author.awards``."""

    author = models.ForeignKey(Author, models.CASCADE, related_name="awards")
    name = models.CharField(max_length=100)


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]


def now():
    """``timezone.now()`` looked up when called, so a check that freezes the clock freezes
    the default of ``Article.created_at`` too."""
    return timezone.now()


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, null=True, blank=True)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=20, default="draft")
    views = models.IntegerField(default=0)
    rating = models.FloatField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    author = models.ForeignKey(
        Author, models.CASCADE, null=True, blank=True, related_name="articles"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")
    notes = GenericRelation(Note)

    class Meta:
        ordering = ["pk"]

    @property
    def comment_count(self) -> int:
        """The reference's sync property that queries."""
        return self.comments.count()

    async def acomment_count(self) -> int:
        """The reference's async twin of ``comment_count``."""
        return await self.comments.acount()


class Comment(models.Model):
    article = models.ForeignKey(Article, models.CASCADE, related_name="comments")
    text = models.TextField()
    approved = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]


class AuditLog(models.Model):
    action = models.CharField(max_length=100)
    count = models.IntegerField(default=0)
    from_author_id = models.IntegerField(null=True)
    to_author_id = models.IntegerField(null=True)


class Book(models.Model):
    author = models.ForeignKey(Author, models.CASCADE, related_name="books")
    title = models.CharField(max_length=200)
    rating = models.FloatField(default=0)
    sales = models.IntegerField(default=0)


class Record(models.Model):
    """Every column type the differential property tests generate values for."""

    label = models.CharField(max_length=200)
    note = models.TextField(null=True, blank=True)
    number = models.BigIntegerField(default=0)
    ratio = models.FloatField(null=True, blank=True)
    amount = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    happened_at = models.DateTimeField(null=True, blank=True)
    flag = models.BooleanField(default=False)

    class Meta:
        ordering = ["pk"]


class HookedQuerySet(models.QuerySet):
    """A custom QuerySet whose overrides an async method honours only if it calls them."""

    def get(self, *args, **kwargs):
        hooks.note("override", "HookedQuerySet.get")
        return super().get(*args, **kwargs)

    def create(self, **kwargs):
        hooks.note("override", "HookedQuerySet.create", tuple(sorted(kwargs)))
        return super().create(**kwargs)

    def count(self):
        hooks.note("override", "HookedQuerySet.count")
        return super().count()

    def exists(self):
        hooks.note("override", "HookedQuerySet.exists")
        return super().exists()

    def update(self, **kwargs):
        hooks.note("override", "HookedQuerySet.update", tuple(sorted(kwargs)))
        return super().update(**kwargs)

    def delete(self):
        hooks.note("override", "HookedQuerySet.delete")
        return super().delete()

    def iterator(self, *args, **kwargs):
        hooks.note("override", "HookedQuerySet.iterator")
        return super().iterator(*args, **kwargs)


class HookedManager(models.Manager.from_queryset(HookedQuerySet)):
    """A custom manager built the documented way, with its own ``get_queryset`` and a method
    of its own over a QuerySet method (``create``)."""

    def get_queryset(self):
        hooks.note("override", "HookedManager.get_queryset")
        return super().get_queryset()

    def create(self, **kwargs):
        hooks.note("override", "HookedManager.create", tuple(sorted(kwargs)))
        return super().create(**kwargs)


class CountingSave(models.Model):
    """Every documented model extension point, overridden to record that it ran: ``save`` and
    ``asave`` (with the signature users write), ``delete``/``adelete``, ``refresh_from_db``/
    ``arefresh_from_db``, and a custom manager over a custom QuerySet."""

    name = models.CharField(max_length=100)
    rank = models.IntegerField(default=0)

    objects = HookedManager()

    class Meta:
        ordering = ["pk"]

    def save(self, *args, **kwargs):
        hooks.note("override", "CountingSave.save", _save_options(kwargs))
        super().save(*args, **kwargs)

    async def asave(self, *args, **kwargs):
        hooks.note("async-override", "CountingSave.asave", _save_options(kwargs))
        await super().asave(*args, **kwargs)

    def delete(self, *args, **kwargs):
        hooks.note("override", "CountingSave.delete")
        return super().delete(*args, **kwargs)

    async def adelete(self, *args, **kwargs):
        hooks.note("async-override", "CountingSave.adelete")
        return await super().adelete(*args, **kwargs)

    def refresh_from_db(self, *args, **kwargs):
        hooks.note("override", "CountingSave.refresh_from_db", tuple(sorted(kwargs)))
        return super().refresh_from_db(*args, **kwargs)

    async def arefresh_from_db(self, *args, **kwargs):
        hooks.note("async-override", "CountingSave.arefresh_from_db", tuple(sorted(kwargs)))
        return await super().arefresh_from_db(*args, **kwargs)


def _save_options(kwargs: dict) -> tuple:
    """What a save override sees that matters: the flags and fields it was asked for."""
    fields = kwargs.get("update_fields")
    return (
        bool(kwargs.get("force_insert")),
        bool(kwargs.get("force_update")),
        None if fields is None else tuple(sorted(fields)),
    )
