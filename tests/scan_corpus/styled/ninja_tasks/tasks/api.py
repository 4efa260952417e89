from ninja import NinjaAPI, Schema
from ninja.pagination import paginate

from .models import *
from .queries import Board, tasks_for

api = NinjaAPI()


class TaskIn(Schema):
    title: str


class ReturnType:
    def __init__(self, types):
        self.types = types


@api.get("/projects/{pk}/tasks")
async def list_tasks(request, pk: int):
    rows = await tasks_for(pk).alist()  # expect: queryset.alist
    return [{"id": t.pk, "title": t.title} for t in rows]


@api.get("/projects/{pk}/all")
async def all_tasks(request, pk: int):
    return [t.title async for t in tasks_for(pk)]  # expect: queryset.async-for


@api.get("/projects/{pk}/pending")
async def pending(request, pk: int):
    board = Board(pk)
    count = await board.pending().acount()  # expect: queryset.acount
    names = [p.name async for p in board.projects]  # expect: queryset.async-for
    return {"count": count, "projects": names}


@api.post("/projects/{pk}/tasks")
async def add_task(request, pk: int, data: TaskIn):
    project = await Project.objects.active().aget(pk=pk)  # expect: queryset.aget
    task = await project.tasks.acreate(title=data.title)  # expect: related.reverse-fk.acreate
    return {"id": task.pk, "open": await project.open_tasks.acount()}  # expect: queryset.acount


async def describe(ret_type: ReturnType):
    labels = []
    for t in ret_type.types:
        labels.append(str(t))
    return labels


async def finish(task: Task):
    await task.arefresh_from_db()  # expect: model.arefresh_from_db
    task.done = True
    await task.asave(update_fields=["done"])  # expect: model.asave
    return task.project.name  # expect: pattern.lazy-forward-fk
