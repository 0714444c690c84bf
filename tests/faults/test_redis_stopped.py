"""Redis stopped: pages, log-ins and uploads keep working (sessions and the
rate-limit counters live in PostgreSQL, not only in Redis); asking for a PDF
tells the person it will be produced later, and it is once Redis is back, with
no one doing anything: the worker, reconnected, sends the waiting jobs again
(config.celery.RequeuePdfsOnConnect)."""

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis as redis_client

from tests.seminars.test_note_uploads import minimal_pdf

from .conftest import DEMO_PASSWORD, Browser, pdftotext, portal_env, wait_for

pytestmark = pytest.mark.faults


def test_with_redis_stopped_the_site_works_and_the_pdf_comes_later(servers, portal_template):
    from accounts.demo import DEMO_TOTP_SECRET

    facts = portal_template.facts
    participation, seminar = facts["participation"], facts["seminar"]
    pg = servers.postgres(portal_template)
    redis = servers.redis()
    media = servers.media(portal_template)
    env = portal_env(pg, media, redis)
    # Production: the worker runs through the outage, as does the site.
    worker = servers.worker(env, wait=False)
    web = servers.gunicorn(env, wait=False)
    worker.wait_ready(dependencies=[pg, redis])
    web.wait_ready(dependencies=[pg, redis])

    referent = Browser(web.url)
    referent.login(facts["referent"], DEMO_PASSWORD)
    prestataire = Browser(web.url)
    prestataire.login(facts["prestataire"], DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET)

    redis.kill()
    stopped_at = time.monotonic()
    with pytest.raises(redis_client.ConnectionError):
        redis.ping()

    # Pages, for people logged in before and after the outage began.
    pages = [
        "/",
        "/espaces/",
        "/territoire/",
        f"/territoire/{participation}/",
        f"/feuille-de-route/{participation}/",
    ]
    for path in pages:
        response = referent.get(path)
        assert response.status_code == 200, (path, response.status_code, servers.logs())
    assert facts["territory"] in referent.get(f"/feuille-de-route/{participation}/").text
    elu = Browser(web.url)
    elu.login(facts["elu"], DEMO_PASSWORD)
    assert elu.get(f"/territoire/{participation}/").status_code == 200
    # A wrong password is counted (allauth's rate limits, in the database cache).
    intruder = Browser(web.url)
    intruder.get("/compte/login/")
    refused = intruder.post("/compte/login/", {"login": facts["elu"], "password": "pas-le-bon"})
    assert refused.status_code == 200 and "/compte/login/" in refused.url
    assert not intruder.session.cookies.get("sessionid")

    # The prestataire uploads the seminar's note.
    notes_before = pg.query(
        "SELECT count(*) FROM seminars_noteversion WHERE seminar_id = %s", (seminar,)
    )
    assert prestataire.get(f"/seminaires/{seminar}/notes/").status_code == 200
    uploaded = prestataire.post(
        f"/seminaires/{seminar}/notes/",
        {"summary": "Note déposée pendant la panne de Redis."},
        files={"file": ("note-seminaire.pdf", minimal_pdf(), "application/pdf")},
    )
    assert uploaded.status_code == 200 and "déposée" in uploaded.text, servers.logs()
    notes_after = pg.query(
        "SELECT count(*) FROM seminars_noteversion WHERE seminar_id = %s", (seminar,)
    )
    assert notes_after[0][0] == notes_before[0][0] + 1
    (note_file,) = pg.query(
        "SELECT file FROM seminars_noteversion WHERE seminar_id = %s ORDER BY version DESC LIMIT 1",
        (seminar,),
    )[0]
    assert (media / note_file).read_bytes() == minimal_pdf()

    # The référent asks for the roadmap's PDF: it will come later.
    asked = time.monotonic()
    response = referent.post(f"/feuille-de-route/{participation}/pdf/", {})
    answered_in = time.monotonic() - asked
    assert response.status_code == 200, (response.status_code, servers.logs())
    assert "momentanément indisponible" in response.text
    assert "sera traitée dès son retour" in response.text
    token = urlparse(response.url).path.split("/")[2]
    state, pdf_file = pg.query(
        "SELECT state, file FROM deliverables_generatedpdf WHERE token = %s", (token,)
    )[0]
    assert state == "en_attente" and not pdf_file
    outage = time.monotonic() - stopped_at

    # Redis is back: the worker reconnects and renders the job, no one acts.
    redis.start()
    back_at = time.monotonic()
    wait_for(
        lambda: (
            pg.query("SELECT state FROM deliverables_generatedpdf WHERE token = %s", (token,))[0][0]
            == "prete"
        ),
        timeout=90,
        what="the PDF asked for during the outage is ready",
        servers=[worker, web, pg, redis],
    )
    ready_after = time.monotonic() - back_at
    download = referent.get(f"/pdf/{token}/telecharger/")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/pdf"
    pdf_path = servers.workdir / "downloaded.pdf"
    Path(pdf_path).write_bytes(download.content)
    assert facts["territory"] in pdftotext(pdf_path)
    print(
        f"Redis down {outage:.1f} s; PDF request answered in {answered_in:.1f} s; "
        f"PDF ready {ready_after:.1f} s after Redis came back"
    )
