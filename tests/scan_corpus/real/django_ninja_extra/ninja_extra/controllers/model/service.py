import traceback
import typing as t

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from pydantic import BaseModel as PydanticModel

from ninja_extra.exceptions import APIException, NotFound
from ninja_extra.shortcuts import get_object_or_exception

from .interfaces import AsyncModelServiceBase, ModelServiceBase, ModelType


class ModelService(
    ModelServiceBase[ModelType], AsyncModelServiceBase[ModelType], t.Generic[ModelType]
):
    """
    Model Service for Model Controller model CRUD operations with a simple logic for simple models.

    Its advised you override this class if you have a complex model.
    """

    def __init__(self, model: t.Type[ModelType]) -> None:
        self.model = model

    def get_one(
        self,
        pk: t.Any,
        queryset: t.Optional[QuerySet] = None,
        error_message: t.Optional[str] = None,
        exception: t.Type[APIException] = NotFound,
        **kwargs: t.Any,
    ) -> ModelType:
        obj = get_object_or_exception(
            klass=self.model if queryset is None else queryset,
            error_message=error_message,
            exception=exception,
            pk=pk,
        )
        return t.cast(ModelType, obj)

    async def get_one_async(
        self,
        pk: t.Any,
        queryset: t.Optional[QuerySet] = None,
        error_message: t.Optional[str] = None,
        exception: t.Type[APIException] = NotFound,
        **kwargs: t.Any,
    ) -> ModelType:
        return await sync_to_async(self.get_one, thread_sensitive=True)(
            pk,
            queryset=queryset,
            error_message=error_message,
            exception=exception,
            **kwargs,
        )

    def get_all(self, **kwargs: t.Any) -> QuerySet[ModelType]:
        return self.model.objects.all()

    async def get_all_async(self, **kwargs: t.Any) -> QuerySet[ModelType]:
        return await sync_to_async(self.get_all, thread_sensitive=True)(**kwargs)

    def create(self, schema: PydanticModel, **kwargs: t.Any) -> ModelType:
        data = schema.model_dump(by_alias=True)
        data.update(kwargs)

        try:
            instance = self.model._default_manager.create(**data)
            return instance
        except TypeError as tex:  # pragma: no cover
            tb = traceback.format_exc()
            msg = (
                "Got a `TypeError` when calling `%s.%s.create()`. "
                "This may be because you have a writable field on the "
                "serializer class that is not a valid argument to "
                "`%s.%s.create()`. You may need to make the field "
                "read-only, or override the %s.create() method to handle "
                "this correctly.\nOriginal exception was:\n %s"
                % (
                    self.model.__name__,
                    self.model._default_manager.name,
                    self.model.__name__,
                    self.model._default_manager.name,
                    self.__class__.__name__,
                    tb,
                )
            )
            raise TypeError(msg) from tex

    async def create_async(self, schema: PydanticModel, **kwargs: t.Any) -> ModelType:
        return await sync_to_async(self.create, thread_sensitive=True)(schema, **kwargs)

    def update(
        self, instance: ModelType, schema: PydanticModel, **kwargs: t.Any
    ) -> ModelType:
        data = schema.model_dump(exclude_unset=True)
        data.update(kwargs)
        for attr, value in data.items():
            setattr(instance, attr, value)
        instance.save()
        return instance

    async def update_async(
        self, instance: ModelType, schema: PydanticModel, **kwargs: t.Any
    ) -> ModelType:
        return await sync_to_async(self.update, thread_sensitive=True)(
            instance, schema, **kwargs
        )

    def patch(
        self, instance: ModelType, schema: PydanticModel, **kwargs: t.Any
    ) -> ModelType:
        return self.update(instance=instance, schema=schema, **kwargs)

    async def patch_async(
        self, instance: ModelType, schema: PydanticModel, **kwargs: t.Any
    ) -> ModelType:
        return await self.update_async(instance=instance, schema=schema, **kwargs)

    def delete(self, instance: ModelType, **kwargs: t.Any) -> t.Any:
        instance.delete()

    async def delete_async(self, instance: ModelType, **kwargs: t.Any) -> t.Any:
        return await sync_to_async(self.delete, thread_sensitive=True)(instance)
