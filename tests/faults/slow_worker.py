"""A Celery worker (``python -m tests.faults.slow_worker worker ...``) whose
first PDF render hangs after WeasyPrint produced the document and before it is
stored, so that a test can kill the worker mid-render at a moment it knows.

The first render creates the file named by ``FAULTS_HANG_FLAG`` holding the
pid of the process rendering (the pool process), then sleeps; later renders,
in this worker or any other, run normally.
"""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from config.celery import app  # noqa: E402
from deliverables.services import rendering  # noqa: E402

real_render = rendering.render_pdf_pages


def render_then_hang_once(**kwargs):
    rendered = real_render(**kwargs)
    try:
        flag = os.open(os.environ["FAULTS_HANG_FLAG"], os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return rendered
    os.write(flag, str(os.getpid()).encode())
    os.close(flag)
    time.sleep(600)  # killed here
    return rendered


rendering.render_pdf_pages = render_then_hang_once

if __name__ == "__main__":
    app.worker_main(sys.argv[1:])
