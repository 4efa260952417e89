from django.db import models


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)


class Project(models.Model):
    name = models.CharField(max_length=100)
    archived = models.BooleanField(default=False)

    objects = ProjectQuerySet.as_manager()

    @property
    def open_tasks(self):
        return self.tasks.filter(done=False)


class Task(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    done = models.BooleanField(default=False)
