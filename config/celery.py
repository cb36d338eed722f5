"""The Celery application. Without a broker URL tasks run eagerly in-process (embedded mode).

Worker and beat processes log through the same structlog pipeline as the web (their own
logging set-up is switched off: Django's LOGGING applies), each task's lines carry its id,
and tracing starts in each worker process when the environment turns it on.
"""

import os

from celery import Celery, signals

from config.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("keyway")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _logging_from_django(**_kwargs: object) -> None:
    """Connected, so Celery leaves the root logger to Django's LOGGING (structlog)."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.worker_init.connect
def _metrics_serve(**_kwargs: object) -> None:
    """A worker's own /metrics (the web's cannot see a worker's counters)."""
    port = env_int("KEYWAY_WORKER_METRICS_PORT", 0)
    if port:
        from apps.common.metrics import metrics_server_start

        metrics_server_start(port=port)


@signals.worker_process_init.connect
def _tracing_start(**_kwargs: object) -> None:
    from apps.common.tracing import tracing_setup

    tracing_setup()


@signals.task_prerun.connect
def _task_log_context_bind(task_id: str | None = None, **kwargs: object) -> None:
    from apps.common.logs import celery_task_context_bind

    celery_task_context_bind(task_id=task_id)


@signals.task_postrun.connect
def _task_log_context_clear(**_kwargs: object) -> None:
    from apps.common.logs import celery_task_context_clear

    celery_task_context_clear()
