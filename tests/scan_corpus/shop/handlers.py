import asyncio

from asgiref.sync import sync_to_async
from django.db.models import Sum, prefetch_related_objects

from .models import Category, Order, OrderLine, Product


def line_total(line):
    return line.quantity * line.product.stock  # expect: pattern.lazy-forward-fk


def order_total(order):
    return sum(line_total(line) for line in order.lines.all())  # expect: queryset.async-for


async def checkout(order_id):
    order = await Order.objects.aget(pk=order_id)  # expect: queryset.aget
    total = order_total(order)
    lines = [x async for x in order.lines.select_related("product")]  # expect: queryset.async-for
    for line in lines:
        name = line.product.name
        line.quantity += 1
    await OrderLine.objects.abulk_update(lines, ["quantity"])  # expect: queryset.abulk_update
    counts = await asyncio.gather(
        Product.objects.acount(),  # expect: queryset.acount
        Category.objects.filter(parent=None).acount(),  # expect: queryset.acount
    )
    return total, name, counts


async def restock(category_id, amount):
    products = Product.objects.filter(category_id=category_id)
    products = products.exclude(stock__gt=100)
    updated = await products.aupdate(stock=amount)  # expect: queryset.aupdate
    product, new = await Product.objects.aget_or_create(name="x")  # expect: queryset.aget_or_create
    category = product.category  # expect: pattern.lazy-forward-fk
    if new:
        await product.related.aset([])  # expect: related.m2m.aset
    first = await products.values("id").afirst()  # expect: queryset.afirst
    summary = await products.aaggregate(total=Sum("stock"))  # expect: queryset.aaggregate
    await Product.objects.abulk_create([Product(name="y")])  # expect: queryset.abulk_create
    return updated, first, summary, category


async def attach_then_read(category_id):
    category = await Category.objects.aget(pk=category_id)  # expect: queryset.aget
    product = await Product.objects.afirst()  # expect: queryset.afirst
    product.category = category
    name = product.category.name
    product_id = product.category_id
    await prefetch([product])
    return name, product_id


async def prefetch(x):
    await sync_to_async(prefetch_related_objects)(x)  # expect: function.aprefetch_related_objects


class Reporter:
    async def report(self):
        orders = Order.objects.prefetch_related("lines")
        rows = [order async for order in orders]  # expect: queryset.async-for
        return self.render(rows)

    def render(self, rows):
        return [self.describe(row) for row in rows]

    def describe(self, order):
        return order.lines.count()  # expect: queryset.acount


async def prefetched():
    orders = Order.objects.prefetch_related("lines")
    async for order in orders:  # expect: queryset.async-for
        quantities = [line.quantity for line in order.lines.all()]
        large = order.lines.filter(quantity__gt=1).count()  # expect: queryset.acount
    chunks = orders.aiterator(chunk_size=9)  # expect: pattern.prefetch-related-aiterator-chunk-size
    async for order in chunks:
        quantities += [line.quantity for line in order.lines.all()]
    return quantities, large


async def unrelated_awaits(queue, client):
    item = await queue.get()
    await asyncio.sleep(0)
    response = await client.post("/", data=item)
    await sync_to_async(print)("done")
    return response
