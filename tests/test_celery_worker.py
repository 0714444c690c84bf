"""A roadmap PDF rendered by a real Celery worker, in its own process, through
Redis: the request only queues the job, the worker claims it, renders it and
marks it ready in the database the web process reads.

Needs ``CELERY_TEST_BROKER_URL`` (e.g. ``redis://127.0.0.1:56379/1``; .ci/run
sets it) and PostgreSQL (``DATABASE_URL``): a separate process sees only
committed rows, which an SQLite test database in memory cannot share.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from kombu import pools

from config.celery import app
from deliverables.models import GeneratedPdf
from deliverables.services.rendering import roadmap_pdf_request
from tests.factories import ActionFactory, RoadmapFactory, TerritoryFactory, UserFactory

from .deliverables.test_pdf_rendering import pdftotext

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "")

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not BROKER_URL, reason="CELERY_TEST_BROKER_URL is not set"),
]


def database_url() -> str:
    """The test database (not the one DATABASE_URL names) for the worker."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, settings, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the worker test needs PostgreSQL (DATABASE_URL)")
    settings.MEDIA_ROOT = tmp_path / "media"
    # This process becomes a producer on the test broker instead of running tasks eagerly.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    producer = {"broker_url": BROKER_URL, "task_always_eager": False, "result_backend": None}
    previous = {key: app.conf[key] for key in producer}
    app.conf.update(producer)
    # Celery reads the CELERY_BROKER_URL variable before its configuration
    # (CI exports one for the other tests): point it at the worker's broker too.
    monkeypatch.setenv("CELERY_BROKER_URL", BROKER_URL)
    # No connection or producer pool made for another URL may be reused.
    pools.reset()
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_RESULT_BACKEND": BROKER_URL,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
            + ["--concurrency=1", "--loglevel=INFO", "--without-heartbeat", "--without-gossip"]
            + ["--without-mingle"],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        app.conf.update(previous)
        # Close this test's pools and forget them (kombu keeps producer pools
        # in a process-wide registry), so later tests start afresh.
        pools.reset()


def wait_until_finished(pdf: GeneratedPdf, process, log: Path, timeout=60) -> GeneratedPdf:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pdf.refresh_from_db()
        if pdf.is_finished:
            return pdf
        if process.poll() is not None:
            pytest.fail(f"the worker stopped:\n{log.read_text()}")
        time.sleep(0.25)
    pytest.fail(f"no PDF after {timeout} s (state {pdf.state}):\n{log.read_text()[-4000:]}")


def test_a_real_worker_renders_a_requested_roadmap_pdf(worker):
    process, log = worker
    roadmap = RoadmapFactory(
        participation__territory=TerritoryFactory(name="Châteauneuf-sur-Loire"),
        vision="Une ville «\u00a0au fil de l'eau\u00a0».",
    )
    ActionFactory(roadmap=roadmap, title="Rouvrir le port fluvial")
    pdf = roadmap_pdf_request(roadmap=roadmap, by=UserFactory())
    pdf.refresh_from_db()
    assert pdf.state in {GeneratedPdf.State.QUEUED, GeneratedPdf.State.RENDERING}

    pdf = wait_until_finished(pdf, process, log)
    assert pdf.state == GeneratedPdf.State.READY, (pdf.error, log.read_text()[-4000:])
    assert pdf.attempts == 1 and pdf.page_count >= 2
    text = pdftotext(Path(pdf.file.path).read_bytes())
    assert "Châteauneuf-sur-Loire" in text
    assert "Rouvrir le port fluvial" in text and "« au fil de l'eau »" in text
