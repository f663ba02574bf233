"""Queueing work for the Celery worker by task name.

Services sit below the task modules (tasks call services, never the reverse), so a
service that hands work to the worker after commit looks its task up by the name the task
module registered, instead of importing the module above it."""

from typing import Any

from celery import Task, current_app


def task_named(name: str) -> Task[..., Any]:
    """The registered task called `name`; a KeyError names a task nobody registered.

    Celery discovers the apps' task packages lazily (a worker at start, other processes
    never on their own), so a web process or a management command imports them here the
    first time it queues work."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]
