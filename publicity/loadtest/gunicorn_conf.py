"""gunicorn settings for the load test: deploy/gunicorn.conf.py as deployed, plus two hooks
that record each request's CPU time (`gunicorn -c publicity/loadtest/gunicorn_conf.py`).

A sync worker serves one request at a time, so the worker's process CPU time between
pre_request and post_request (the response written) is that request's CPU, whatever else
the shared machine runs. Lines go to LOAD_CPU_DIR/cpu-<pid>.tsv: run, page, CPU ms, status.
"""

import os
import runpy
import time
from pathlib import Path

_deployed = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"))
globals().update({k: v for k, v in _deployed.items() if not k.startswith("_")})

_CPU_DIR = Path(os.environ.get("LOAD_CPU_DIR", "."))
# Recycling a worker mid-run would charge its start-up to nobody; the run is minutes long.
max_requests = 0
accesslog = None


def pre_request(worker, req):
    worker.load_cpu_started = time.process_time()


def post_request(worker, req, environ, resp):
    page = environ.get("HTTP_X_LOAD_PAGE")
    if not page:
        return
    cpu_ms = (time.process_time() - worker.load_cpu_started) * 1000
    run = environ.get("HTTP_X_LOAD_RUN", "")
    line = f"{run}\t{page}\t{cpu_ms:.3f}\t{resp.status_code}\n"
    with (_CPU_DIR / f"cpu-{os.getpid()}.tsv").open("a", encoding="utf-8") as out:
        out.write(line)
