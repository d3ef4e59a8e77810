import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections, connection

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("luohutong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping", acks_late=False)
def ping() -> str:
    """Health check: a worker that answers has its broker and result backend working.

    Not acks_late: a lost ping is harmless and must never be redelivered to the next worker.
    """
    return "pong"


@task_prerun.connect
@task_postrun.connect
def database_connections_checked(task=None, **kwargs) -> None:
    """Around each task as around a web request: a connection past CONN_MAX_AGE, or left
    broken or outside autocommit, is closed; the next query opens a fresh one. (The fixup
    keeps it otherwise: CELERY_DB_REUSE_MAX.) Not for a task run in-process (eager): it
    runs inside its caller's transaction and connection."""
    if task is not None and getattr(task.request, "is_eager", False):
        return
    close_old_connections()


@app.task(name="config.database_ping", acks_late=False)
def database_ping() -> dict[str, int]:
    """Health check of a worker's database: its pool process and the PostgreSQL server
    process of its session. The same pool process answering twice with the same session
    shows the worker keeps its connection between tasks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    return {"process": os.getpid(), "backend": backend}
