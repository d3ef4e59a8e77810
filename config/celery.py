import os

from celery import Celery

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
