"""Models for every example in the reference, kept as small as the examples allow.

Field names follow the reference (``Article.slug``, ``status``, ``views``...) so that its
examples run as written, adapted only in the model names they import.
"""

from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


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


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, null=True, blank=True)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=20, default="draft")
    views = models.IntegerField(default=0)
    rating = models.FloatField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
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


class CountingSave(models.Model):
    """Overrides ``save`` and ``asave`` so checks can see which one the ORM calls."""

    name = models.CharField(max_length=100)
    saves = models.IntegerField(default=0)
    asaves = models.IntegerField(default=0)

    def save(self, *args, **kwargs):
        self.saves += 1
        super().save(*args, **kwargs)

    async def asave(self, *args, **kwargs):
        self.asaves += 1
        await super().asave(*args, **kwargs)
