"""A Celery worker killed with ``kill -9`` while rendering a PDF: once a worker
runs again, exactly one PDF exists for the job and the job shows ready.

Two ways to die: the whole worker (its process group: a crash, an OOM kill of
the container, a lost machine), after which a new worker starts; and only the
pool process rendering, whose parent gives the message back to the broker
(``reject_on_worker_lost``) and forks a new one.
"""

import os
import signal
import time

import pytest
from celery import Celery

from .conftest import job_row, pdftotext, portal_env, wait_for

pytestmark = pytest.mark.faults


def send_render(redis_url: str, pk: int) -> None:
    """What the web does once the job's row is committed (rendering._enqueue)."""
    producer = Celery("faults-producer", broker=redis_url, set_as_current=False)
    try:
        producer.send_task("deliverables.tasks.render_pdf_task", args=[pk], ignore_result=True)
    finally:
        producer.close()


@pytest.mark.parametrize("killed", ["whole-worker", "pool-process"])
def test_a_worker_killed_mid_render_leaves_one_ready_pdf(servers, portal_template, killed):
    started = time.monotonic()
    facts = portal_template.facts
    pk = facts["job"]
    pg = servers.postgres(portal_template)
    redis = servers.redis()
    media = servers.media(portal_template)
    env = portal_env(pg, media, redis)
    assert job_row(pg, pk)["state"] == "en_attente"

    hang_flag = servers.workdir / "rendering.pid"
    first = servers.worker(env, hang_flag=hang_flag, dependencies=[pg, redis])
    send_render(redis.url(0), pk)
    rendering_pid = int(
        wait_for(
            lambda: hang_flag.exists() and hang_flag.read_text(),
            timeout=60,
            what="the first worker renders the job",
            servers=[first],
        )
    )
    row = job_row(pg, pk)
    assert row["state"] == "en_cours" and row["attempts"] == 1, row

    if killed == "whole-worker":
        first.kill()
        assert job_row(pg, pk)["state"] == "en_cours"  # left behind by the dead worker
        survivor = servers.worker(env, dependencies=[pg, redis])
    else:
        os.kill(rendering_pid, signal.SIGKILL)
        survivor = first
    killed_at = time.monotonic()

    row = wait_for(
        lambda: (row := job_row(pg, pk))["state"] in {"prete", "echec"} and row,
        timeout=60,
        what="the job finished after the kill",
        servers=[survivor, pg, redis],
    )
    recovered = time.monotonic() - killed_at
    assert row["state"] == "prete", (row, servers.logs())
    assert row["attempts"] == 2, row  # the killed render, then the one that finished

    (count,) = pg.query(
        "SELECT count(*) FROM deliverables_generatedpdf WHERE source_key = %s", (row["key"],)
    )[0]
    assert count == 1
    # One file for the job: no second copy under another name, nothing half-written.
    stored = media / row["file"]
    copies = [p for p in (media / "generated").rglob(f"{stored.stem}*") if p.is_file()]
    assert copies == [stored]
    before = {p.relative_to(portal_template.media) for p in portal_template.media.rglob("*")}
    after = {p.relative_to(media) for p in media.rglob("*")}
    assert {p for p in after - before if (media / p).is_file()} == {stored.relative_to(media)}
    assert facts["job_territory"] in pdftotext(stored)
    print(
        f"{killed}: ready {recovered:.1f} s after the kill, "
        f"{time.monotonic() - started:.1f} s in all"
    )
