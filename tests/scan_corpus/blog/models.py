from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Note(models.Model):
    content_type = models.ForeignKey(ContentType, models.CASCADE)
    object_id = models.PositiveIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    text = models.CharField(max_length=200)


class Author(models.Model):
    name = models.CharField(max_length=100)


class Tag(models.Model):
    name = models.CharField(max_length=50)


class PublishedManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(status="published")


class Article(models.Model):
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, default="draft")
    author = models.ForeignKey(Author, models.CASCADE, related_name="articles")
    editor = models.ForeignKey("blog.Author", models.SET_NULL, null=True, related_name="edited")
    tags = models.ManyToManyField(Tag, related_name="tagged_articles")
    notes = GenericRelation(Note)

    objects = models.Manager()
    published = PublishedManager()

    @property
    def comment_count(self):
        return self.comments.count()

    async def acomment_count(self):
        return await self.comments.acount()  # expect: queryset.acount


class Comment(models.Model):
    article = models.ForeignKey(Article, models.CASCADE, related_name="comments")
    text = models.TextField()
