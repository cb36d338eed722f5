"""The Celery application. Without a broker URL tasks run eagerly in-process (embedded mode)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("keyway")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
