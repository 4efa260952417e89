from .models import Project, Task


def tasks_for(project_id):
    return Task.objects.filter(project_id=project_id).order_by("pk")


class Board:
    def __init__(self, project_id):
        self.project_id = project_id

    def pending(self):
        return Task.objects.filter(project_id=self.project_id, done=False)

    @property
    def projects(self):
        return Project.objects.active()
