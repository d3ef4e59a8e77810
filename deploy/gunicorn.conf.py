"""gunicorn settings for 落户通 (`gunicorn -c deploy/gunicorn.conf.py config.wsgi:application`).

Every value can be overridden from the environment (see deploy/.env.example).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: requests are short (forms, lists); long work (ranking, imports) goes to Celery.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "sync"
# An evidence upload on a slow connection is buffered by nginx first, so 60 s is plenty.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never takes the declaration window down.
max_requests = 1000
max_requests_jitter = 100
# Only nginx talks to gunicorn; trust its X-Forwarded-* headers and nobody else's.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
limit_request_line = 8190
accesslog = "-"
# The path only, never the query string nor the Referer (which carries the previous page's
# query): no identity number or search term may reach a log line. %({x-real-ip}i)s is the
# client's address as nginx saw it (%(h)s is nginx's own).
access_log_format = '%(h)s %({x-real-ip}i)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
