"""Gunicorn settings for the production shape: one worker process per core.

Run: gunicorn -c deploy/gunicorn.conf.py config.wsgi
"""

import multiprocessing
import os

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
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app once in the master so workers share its memory copy-on-write.
preload_app = True
