"""config/wsgi.py: what a gunicorn worker loads."""

import subprocess
import sys

from django.conf import settings


def test_the_worker_freezes_its_startup_heap():
    # In a process of its own: freezing this test process would change what
    # its garbage collector scans for the rest of the suite.
    probe = (
        "import gc, config.wsgi; print(gc.get_freeze_count(), callable(config.wsgi.application))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    frozen, callable_app = result.stdout.split()
    # Django, the apps and their models: tens of thousands of objects.
    assert int(frozen) > 20_000
    assert callable_app == "True"
