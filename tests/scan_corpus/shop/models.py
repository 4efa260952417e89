from django.db import models


class ProductQuerySet(models.QuerySet):
    def in_stock(self):
        return self.filter(stock__gt=0)


class Category(models.Model):
    name = models.CharField(max_length=100)
    parent = models.ForeignKey("self", models.CASCADE, null=True)


class Product(models.Model):
    name = models.CharField(max_length=100)
    stock = models.IntegerField(default=0)
    category = models.ForeignKey(Category, models.PROTECT)
    related = models.ManyToManyField("self", blank=True)

    objects = ProductQuerySet.as_manager()


class Order(models.Model):
    customer = models.CharField(max_length=100)
    products = models.ManyToManyField(Product, through="OrderLine")


class OrderLine(models.Model):
    order = models.ForeignKey(Order, models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, models.PROTECT)
    quantity = models.IntegerField(default=1)
