"""PDF jobs: requested once per content, claimed by one worker, failed with a
French message then retried, re-sent when the broker was down, and followed,
downloaded and published through the views."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from deliverables import pdf as pdf_module
from deliverables.models import GeneratedPdf, RoadmapVersion
from deliverables.services import rendering
from deliverables.services.rendering import (
    pdf_publish,
    pdf_render,
    pdf_retry,
    pdf_unpublish,
    roadmap_pdf_request,
    roadmap_version_pdf_request,
    transversal_note_pdf_request,
)
from deliverables.tasks import render_pdf_task
from tests.factories import (
    ActionFactory,
    RoadmapFactory,
    RoadmapVersionFactory,
    TransversalNoteFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def roadmap_a(world):
    roadmap = RoadmapFactory(participation=world.participation_a, vision="Ambition « A »")
    ActionFactory(roadmap=roadmap, title="Action du territoire A")
    return roadmap


@pytest.fixture
def broken_weasyprint(monkeypatch):
    """Only the WeasyPrint call fails: everything around it runs for real."""

    def explode(self, **options):
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(pdf_module.HTML, "render", explode)


@pytest.fixture
def sent(monkeypatch):
    """The job ids sent to the broker, which never runs them."""
    ids = []
    monkeypatch.setattr(render_pdf_task, "delay", lambda pk: ids.append(pk))
    return ids


def requested(capture, request, **kwargs):
    with capture(execute=True):
        pdf = request(**kwargs)
    pdf.refresh_from_db()
    return pdf


# --- Services ---------------------------------------------------------------------------


def test_a_failed_render_is_marked_in_french_without_a_file_then_retried(
    roadmap_a, broken_weasyprint, monkeypatch, django_capture_on_commit_callbacks, media
):
    pdf = requested(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap_a, by=None
    )
    assert pdf.state == GeneratedPdf.State.FAILED
    assert pdf.error.startswith("La production du PDF a échoué")
    assert "cairo" not in pdf.error and "Traceback" not in pdf.error
    assert not pdf.file
    # Eager mode (no broker) does not re-run a task Celery would retry later.
    assert pdf.attempts == 1
    assert not list(Path(media).rglob("*.pdf"))

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        pdf_retry(pdf=pdf, by=None)
    pdf.refresh_from_db()
    assert pdf.state == GeneratedPdf.State.READY and pdf.error == ""
    assert Path(pdf.file.path).read_bytes().startswith(b"%PDF-")


def test_requesting_a_failed_content_again_queues_the_same_row(
    roadmap_a, broken_weasyprint, monkeypatch, django_capture_on_commit_callbacks
):
    failed = requested(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap_a, by=None
    )
    monkeypatch.undo()
    again = requested(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap_a, by=None
    )
    assert again.pk == failed.pk and again.state == GeneratedPdf.State.READY


def test_only_a_failed_job_can_be_retried(roadmap_a, django_capture_on_commit_callbacks):
    pdf = requested(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap_a, by=None
    )
    with pytest.raises(ValidationError):
        pdf_retry(pdf=pdf, by=None)


def test_a_job_is_claimed_by_one_worker_at_a_time(roadmap_a, sent):
    pdf = roadmap_pdf_request(roadmap=roadmap_a, by=None)
    GeneratedPdf.objects.filter(pk=pdf.pk).update(
        state=GeneratedPdf.State.RENDERING, started_at=timezone.now(), attempts=1
    )
    assert pdf_render(pdf_id=pdf.pk) is None  # another worker is on it
    pdf.refresh_from_db()
    assert pdf.state == GeneratedPdf.State.RENDERING and pdf.attempts == 1

    # That worker died: past the time limit the job is free again.
    GeneratedPdf.objects.filter(pk=pdf.pk).update(
        started_at=timezone.now() - rendering.STALE_RENDERING_AFTER - timedelta(seconds=1)
    )
    done = pdf_render(pdf_id=pdf.pk)
    assert done.state == GeneratedPdf.State.READY and done.attempts == 2
    assert pdf_render(pdf_id=pdf.pk) is None  # a duplicate message finds nothing to do


def test_a_draft_changed_before_its_render_fails_cleanly(roadmap_a, sent):
    pdf = roadmap_pdf_request(roadmap=roadmap_a, by=None)
    ActionFactory(roadmap=roadmap_a, title="Ajoutée entre la demande et le rendu")
    pdf_render(pdf_id=pdf.pk)
    pdf.refresh_from_db()
    assert pdf.state == GeneratedPdf.State.FAILED
    assert "changé" in pdf.error and not pdf.file


def test_a_note_pdf_needs_a_written_body(world, django_capture_on_commit_callbacks):
    note = TransversalNoteFactory(
        fabrique=world.fabrique_x,
        title="Note de méthode «\u00a0eau\u00a0»",
        body="## Principes\n\nUn **texte** avec [un lien](https://anct.gouv.fr).\n\n"
        '<img src="file:///etc/passwd">',
    )
    pdf = requested(
        django_capture_on_commit_callbacks, transversal_note_pdf_request, note=note, by=None
    )
    assert pdf.state == GeneratedPdf.State.READY, pdf.error
    from .test_pdf_rendering import SECRET, pdftotext

    data = Path(pdf.file.path).read_bytes()
    text = pdftotext(data)
    assert "Note de méthode « eau »" in text and "Principes" in text
    assert SECRET not in text

    uploaded = TransversalNoteFactory(fabrique=world.fabrique_x, body="", file="notes/x.pdf")
    with pytest.raises(ValidationError):
        transversal_note_pdf_request(note=uploaded, by=None)


def test_only_ready_pdfs_of_adopted_versions_notes_and_publications_are_published(
    world, roadmap_a, django_capture_on_commit_callbacks
):
    draft = requested(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap_a, by=None
    )
    with pytest.raises(ValidationError):
        pdf_publish(pdf=draft, by=world.staff)
    version = RoadmapVersionFactory(roadmap=roadmap_a, number=1)
    adopted = requested(
        django_capture_on_commit_callbacks,
        roadmap_version_pdf_request,
        version=version,
        by=world.staff,
    )
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        pdf_publish(pdf=adopted, by=world.prestataire_x)
    assert pdf_publish(pdf=adopted, by=world.staff).published_at is not None
    assert pdf_unpublish(pdf=adopted, by=world.staff).published_at is None


def test_with_the_broker_down_the_job_stays_queued_and_is_sent_later(
    roadmap_a, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(pk):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(render_pdf_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        pdf = roadmap_pdf_request(roadmap=roadmap_a, by=None)
    assert pdf.enqueue_failed
    pdf.refresh_from_db()
    assert pdf.state == GeneratedPdf.State.QUEUED

    ids = []
    monkeypatch.setattr(render_pdf_task, "delay", lambda pk: ids.append(pk))
    call_command("requeue_pdfs")
    assert ids == []  # too recent: the broker may still deliver it
    GeneratedPdf.objects.filter(pk=pdf.pk).update(
        requested_at=timezone.now() - timedelta(minutes=11)
    )
    call_command("requeue_pdfs")
    assert ids == [pdf.pk]


# --- Views ------------------------------------------------------------------------------


def test_the_roadmap_editors_request_a_pdf_and_follow_it(
    client, world, roadmap_a, django_capture_on_commit_callbacks
):
    url = reverse("deliverables:roadmap_pdf_request", args=[world.participation_a.pk])
    client.force_login(world.referent_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, HTTP_HX_REQUEST="true")
    # The test's transaction defers the render until after the answer: the
    # panel shows the queued job, polling its status.
    assert response.status_code == 200
    page = response.content.decode()
    assert "en cours de production" in page
    pdf = GeneratedPdf.objects.get()
    assert f'hx-get="{reverse("deliverables:pdf_status", args=[pdf.token])}"' in page
    assert pdf.requested_by == world.referent_a and pdf.state == GeneratedPdf.State.READY

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("deliverables:pdf_status", args=[pdf.token])
    assert GeneratedPdf.objects.count() == 1

    client.force_login(world.copil_x)  # reads the roadmap, does not write it
    assert client.post(url).status_code == 404
    client.force_login(world.elu_b)
    assert client.post(url).status_code == 404


def test_the_status_row_polls_while_the_job_runs(client, world, roadmap_a, sent):
    pdf = roadmap_pdf_request(roadmap=roadmap_a, by=None)
    url = reverse("deliverables:pdf_status", args=[pdf.token])
    client.force_login(world.elu_a)
    row = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert row.lstrip().startswith(f'<tr id="pdf-{pdf.token}"')
    assert 'hx-trigger="every 2s"' in row and f'hx-get="{url}"' in row
    assert "En file d&#x27;attente" in row or "En file d'attente" in row
    assert "<html" not in row

    page = client.get(url)
    assert page.status_code == 200
    assert "<html" in page.content.decode() and 'hx-trigger="every 2s"' in page.content.decode()
    assert "htmx-2.min.js" in page.content.decode()

    pdf_render(pdf_id=pdf.pk)
    row = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in row and "fr-badge--success" in row and "Prêt" in row

    client.force_login(world.elu_b)
    assert client.get(url).status_code == 404


def test_a_failed_job_shows_a_retry_button_that_works(
    client, world, roadmap_a, broken_weasyprint, monkeypatch, django_capture_on_commit_callbacks
):
    pdf = requested(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap_a, by=None
    )
    client.force_login(world.prestataire_x)
    status_url = reverse("deliverables:pdf_status", args=[pdf.token])
    row = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    retry_url = reverse("deliverables:pdf_retry", args=[pdf.token])
    assert "fr-badge--error" in row and "Échec" in row and retry_url in row

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in response.content.decode()  # queued again
    row = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "fr-badge--success" in row and "hx-trigger" not in row
    pdf.refresh_from_db()
    assert pdf.state == GeneratedPdf.State.READY

    client.force_login(world.prestataire_y)
    assert client.post(retry_url).status_code == 404


def test_a_territorys_pdf_is_downloaded_only_by_those_who_see_the_territory(
    client, world, roadmap_a, django_capture_on_commit_callbacks
):
    pdf = requested(
        django_capture_on_commit_callbacks, roadmap_pdf_request, roadmap=roadmap_a, by=None
    )
    url = reverse("deliverables:pdf_download", args=[pdf.token])
    for persona in ("elu_a", "referent_a", "prestataire_x", "copil_x", "staff"):
        client.force_login(world.personas[persona])
        response = client.get(url)
        assert response.status_code == 200, persona
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert response["Content-Security-Policy"] == "sandbox"
    for persona in ("elu_b", "prestataire_y"):
        client.force_login(world.personas[persona])
        assert client.get(url).status_code == 404, persona
    client.logout()
    assert client.get(url).status_code == 404


def test_anonymous_visitors_download_only_published_pdfs_of_public_fabriques(
    client, world, roadmap_a, django_capture_on_commit_callbacks
):
    version = RoadmapVersionFactory(roadmap=roadmap_a, number=1)
    pdf = requested(
        django_capture_on_commit_callbacks,
        roadmap_version_pdf_request,
        version=version,
        by=world.staff,
    )
    url = reverse("deliverables:pdf_download", args=[pdf.token])
    assert client.get(url).status_code == 404
    pdf_publish(pdf=pdf, by=world.staff)
    assert client.get(url).status_code == 404  # Fabrique X is not public
    world.fabrique_x.is_public = True
    world.fabrique_x.save(update_fields=["is_public"])
    assert client.get(url).status_code == 200


def test_a_job_still_rendering_cannot_be_downloaded(client, world, roadmap_a, sent):
    pdf = roadmap_pdf_request(roadmap=roadmap_a, by=None)
    client.force_login(world.staff)
    assert client.get(reverse("deliverables:pdf_download", args=[pdf.token])).status_code == 404


def test_the_results_page_is_for_the_fabriques_prestataire_and_anct(
    client, world, roadmap_a, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    RoadmapVersionFactory(roadmap=roadmap_a, number=1)
    TransversalNoteFactory(fabrique=world.fabrique_x, title="Manifeste écrit", body="Texte.")
    TransversalNoteFactory(fabrique=world.fabrique_x, title="Annexe", body="", file="n/x.pdf")
    url = reverse("deliverables:fabrique_results", args=[world.fabrique_x.pk])
    for persona in ("elu_a", "copil_x", "prestataire_y"):
        client.force_login(world.personas[persona])
        assert client.get(url).status_code == 404, persona

    client.force_login(world.prestataire_x)
    page = client.get(url).content.decode()
    assert "Demander les PDF manquants" in page and "Compiler la publication" not in page
    assert client.post(url, {"action": "compiler"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "demander"}).status_code == 302
    assert GeneratedPdf.objects.ready().filter(fabrique=world.fabrique_x).count() == 2

    client.force_login(world.staff)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "compiler"}).status_code == 302
    publication = GeneratedPdf.objects.get(kind=GeneratedPdf.Kind.PUBLICATION)
    assert publication.state == GeneratedPdf.State.READY, publication.error
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert "Compiler la publication" in page and "Publier" in page
    assert "Annexe" in page and "Manifeste écrit" in page


def test_staff_publish_from_the_row(client, world, roadmap_a, django_capture_on_commit_callbacks):
    version = RoadmapVersionFactory(roadmap=roadmap_a, number=1)
    pdf = requested(
        django_capture_on_commit_callbacks,
        roadmap_version_pdf_request,
        version=version,
        by=world.staff,
    )
    url = reverse("deliverables:pdf_publish", args=[pdf.token])
    client.force_login(world.prestataire_x)
    assert client.post(url, {"action": "publier"}).status_code == 404
    client.force_login(world.staff)
    response = client.post(url, {"action": "publier"}, HTTP_HX_REQUEST="true")
    assert "Retirer de la publication" in response.content.decode()
    assert GeneratedPdf.objects.published().count() == 0  # Fabrique X is not public
    assert GeneratedPdf.objects.get(pk=pdf.pk).published_at is not None
    response = client.post(url, {"action": "depublier"})
    assert response.status_code == 302
    assert GeneratedPdf.objects.get(pk=pdf.pk).published_at is None
    assert RoadmapVersion.objects.count() == 1
