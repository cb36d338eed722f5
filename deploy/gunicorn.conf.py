"""Gunicorn settings for the production shape: one worker process per core.

Run: gunicorn -c deploy/gunicorn.conf.py config.wsgi

Prometheus: with several workers each process counts on its own, so
``PROMETHEUS_MULTIPROC_DIR`` (set in the image to /tmp/prometheus) makes prometheus_client
write every worker's values to files there, which ``/metrics`` adds up. The directory is
emptied when this file is read, before the app is loaded (stale files from a previous run
would be added in), and a dead worker's live gauges are dropped.
"""

import multiprocessing
import os
import shutil

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
# Sign-in spends ~27 ms of CPU in Argon2: more threads than cores would only queue.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 10_000
max_requests_jitter = 1_000
# gunicorn's access log keeps its own (combined-style) format: it cannot JSON-escape the
# client's values. Application lines are JSON (apps.common.logs).
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app once in the master so workers share its memory copy-on-write.
preload_app = True
# prometheus_client opens its files as soon as the preloaded app counts anything, before
# any server hook runs: the directory is emptied of a previous run's files here.
_METRICS_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _METRICS_DIR:
    shutil.rmtree(_METRICS_DIR, ignore_errors=True)
    os.makedirs(_METRICS_DIR, exist_ok=True)
# Worker heartbeat files go to the default temporary directory: /tmp, which the
# Kubernetes manifests mount as a memory-backed emptyDir (the root filesystem is read-only).


def child_exit(server, worker):
    if _METRICS_DIR:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
