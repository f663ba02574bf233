"""Queueing work for the Celery worker by task name.

Services sit below the task modules (tasks call services, never the reverse), so a
service that hands work to the worker after commit looks its task up by the name the task
module registered, instead of importing the module above it."""

from celery import Task, current_app


def task_named(name: str) -> Task:
    """The registered task called `name`; a KeyError names a task nobody registered."""
    return current_app.tasks[name]
