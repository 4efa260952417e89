from adrf.serializers import ModelSerializer

from .models import Order, Product


class ProductSerializer(ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "title", "price", "stock"]


class OrderSerializer(ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "products", "paid"]

    async def acreate(self, validated_data):
        products = validated_data.pop("products", [])
        order = await Order.objects.acreate(**validated_data)  # expect: queryset.acreate
        await order.products.aset(products)  # expect: related.m2m.aset
        return order
