from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.core.paginator import AsyncPaginator
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import aget_object_or_404 as get_or_404
from rest_framework.response import Response

from .models import Order, Product
from .serializers import OrderSerializer, ProductSerializer
from .shortcuts import aget_object_or_404


class ProductList(APIView):
    async def get(self, request):
        products = Product.objects.select_related("category").order_by("title")
        paginator = AsyncPaginator(products, 20)
        page = await paginator.apage(request.GET.get("page", 1))  # expect: paginator.async-paginator.apage
        serializer = ProductSerializer(page.object_list, many=True)
        data = await serializer.adata
        more = await page.ahas_next()  # expect: paginator.async-page.ahas_next
        return Response({"results": data, "more": more})

    async def post(self, request):
        serializer = ProductSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        await serializer.asave()
        return Response(serializer.data, status=201)


class ProductDetail(APIView):
    async def get(self, request, pk):
        product = await get_or_404(Product, pk=pk)  # expect: shortcuts.aget_object_or_404
        return Response(await ProductSerializer(product).adata)

    async def delete(self, request, pk):
        product = await aget_object_or_404(Product, pk=pk)  # expect: shortcuts.aget_object_or_404
        await product.adelete()  # expect: model.adelete
        return Response(status=204)


async def restock(request, pk):
    with transaction.atomic():  # expect: pattern.atomic-block
        product = Product.objects.select_for_update().get(pk=pk)  # expect: queryset.aget
        product.stock += 10
        product.save()  # expect: model.asave
    return Response({"stock": product.stock})


async def order_summary(request, source):
    if isinstance(source, QuerySet):
        total = await source.acount()  # expect: queryset.acount
        rows = [o async for o in source]  # expect: queryset.async-for
    else:
        rows = list(source)
        total = len(rows)
    return Response({"total": total, "ids": [row.pk for row in rows]})


async def checkout(request, pk):
    order = await Order.objects.aget(pk=pk, customer=request.user)  # expect: queryset.aget
    count = order.products.count()  # expect: queryset.acount
    order.paid = True
    await sync_to_async(order.save)()  # expect: model.asave
    await sync_to_async(request.session.save)()  # expect: sessions.db-store.asave
    serializer = OrderSerializer(order)
    return Response({"order": await serializer.adata, "count": count})
