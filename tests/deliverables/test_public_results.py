"""The public results of a Fabrique: its published PDFs and transversal notes,
for anonymous visitors, and nothing that is not published."""

from datetime import date
from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from deliverables.models import GeneratedPdf
from fabriques.models import Fabrique
from territories.models import WorkingGroupMember
from tests.factories import GeneratedPdfFactory, TransversalNoteFactory
from tests.seminars.test_note_uploads import minimal_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def published_pdf(**kwargs):
    return GeneratedPdfFactory(
        file=ContentFile(minimal_pdf(), name="document.pdf"),
        published_at=timezone.now(),
        **kwargs,
    )


@pytest.fixture
def results(world):
    """Fabrique X public with published and unpublished results; Fabrique Y
    not public, with a PDF marked published all the same."""
    Fabrique.objects.filter(pk=world.fabrique_x.pk).update(is_public=True)
    world.fabrique_x.refresh_from_db()
    r = type("Results", (), {})()
    r.publication = published_pdf(fabrique=world.fabrique_x, title="Publication de la Fabrique X")
    r.roadmap = published_pdf(
        fabrique=world.fabrique_x,
        kind=GeneratedPdf.Kind.ROADMAP,
        participation=world.participation_a,
        title="Feuille de route adoptée",
    )
    r.unpublished = GeneratedPdfFactory(fabrique=world.fabrique_x, title="PDF interne")
    r.rendering = GeneratedPdfFactory(
        fabrique=world.fabrique_x,
        title="PDF en cours",
        state=GeneratedPdf.State.RENDERING,
        file="",
    )
    r.private_fabrique = published_pdf(fabrique=world.fabrique_y, title="PDF de la Fabrique Y")
    r.note = TransversalNoteFactory(
        fabrique=world.fabrique_x,
        title="Manifeste publié",
        kind="manifeste",
        body="# Manifeste\n\n<script>alert(1)</script> « Ensemble »",
        is_published=True,
        published_on=date(2026, 9, 1),
    )
    r.note.file.save("manifeste.pdf", ContentFile(minimal_pdf()))
    r.draft = TransversalNoteFactory(fabrique=world.fabrique_x, title="Note brouillon")
    r.note_y = TransversalNoteFactory(
        fabrique=world.fabrique_y,
        title="Note de Y",
        is_published=True,
        published_on=date(2026, 9, 1),
    )
    return r


def pdf_url(pdf):
    return reverse("deliverables:public_pdf_download", args=[pdf.token])


def test_published_pdfs_of_a_public_fabrique_download_anonymously(client, results):
    for pdf in (results.publication, results.roadmap):
        response = client.get(pdf_url(pdf))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == minimal_pdf()
        assert response["Content-Disposition"].startswith("attachment;")
        offered = quote(f"{pdf.title}.pdf".replace(" ", "_"))
        assert offered in response["Content-Disposition"]


def test_anything_not_published_is_not_found(client, world, results):
    for pdf in (results.unpublished, results.rendering, results.private_fabrique):
        assert client.get(pdf_url(pdf)).status_code == 404, pdf.title
    # Even for people who may see them in the portal: this URL is the public one.
    client.force_login(world.staff)
    assert client.get(pdf_url(results.unpublished)).status_code == 404


def test_the_public_page_lists_exactly_the_published_results(client, world, results):
    page = client.get(reverse("fabrique_detail", args=[world.fabrique_x.slug])).content.decode()
    assert "Résultats de la Fabrique" in page
    assert pdf_url(results.publication) in page and pdf_url(results.roadmap) in page
    assert "Territoire A" in page  # the roadmap's territory
    for hidden in (results.unpublished, results.rendering, results.private_fabrique):
        assert pdf_url(hidden) not in page and hidden.title not in page
    note_url = reverse("deliverables:public_transversal_note", args=[results.note.pk])
    file_url = reverse("deliverables:public_transversal_note_download", args=[results.note.pk])
    assert note_url in page and file_url in page and "Manifeste publié" in page
    assert "Note brouillon" not in page and "Note de Y" not in page


def test_a_published_note_reads_publicly_sanitised(client, results):
    url = reverse("deliverables:public_transversal_note", args=[results.note.pk])
    page = client.get(url).content.decode()
    assert "<h2>Manifeste</h2>" in page and "« Ensemble »" in page
    assert "<script>alert(1)</script>" not in page
    download = client.get(
        reverse("deliverables:public_transversal_note_download", args=[results.note.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == minimal_pdf()


def test_unpublished_notes_and_notes_of_private_fabriques_are_not_found(client, results):
    for note in (results.draft, results.note_y):
        for name in ("public_transversal_note", "public_transversal_note_download"):
            assert client.get(reverse(f"deliverables:{name}", args=[note.pk])).status_code == 404


def test_unpublishing_a_note_withdraws_its_pdfs(client, world, results):
    from deliverables.services.transversal_notes import transversal_note_unpublish

    note_pdf = published_pdf(
        fabrique=world.fabrique_x,
        kind=GeneratedPdf.Kind.TRANSVERSAL_NOTE,
        transversal_note=results.note,
        title="Manifeste en PDF",
    )
    assert client.get(pdf_url(note_pdf)).status_code == 200
    transversal_note_unpublish(note=results.note, by=world.staff)
    assert client.get(pdf_url(note_pdf)).status_code == 404


def test_the_results_cost_a_constant_number_of_queries(client, world, results):
    url = reverse("fabrique_detail", args=[world.fabrique_x.slug])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for number in range(3):
        published_pdf(
            fabrique=world.fabrique_x,
            kind=GeneratedPdf.Kind.ROADMAP,
            participation=world.participation_a,
            title=f"Feuille de route {number}",
        )
        TransversalNoteFactory(
            fabrique=world.fabrique_x, is_published=True, published_on=date(2026, 9, 2)
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_the_results_show_no_personal_data(client, world, results):
    GeneratedPdf.objects.update(requested_by=world.prestataire_x)
    people = list(User.objects.all())
    members = list(WorkingGroupMember.objects.all())
    private = [f"{p.first_name} {p.last_name}" for p in people + members] + [
        p.email for p in people + members
    ]
    urls = [
        reverse("fabrique_detail", args=[world.fabrique_x.slug]),
        reverse("deliverables:public_transversal_note", args=[results.note.pk]),
    ]
    for url in urls:
        page = client.get(url).content.decode()
        leaked = [value for value in private if value and value in page]
        assert not leaked, (url, leaked)


def test_the_fabrique_page_follows_each_publication_at_once(client, world, results):
    """The results are a cached part of the Fabrique's page (public_cache):
    publishing, withdrawing and a rescan of the antivirus each show on the
    next request."""
    from deliverables.services.transversal_notes import (
        transversal_note_publish,
        transversal_note_unpublish,
    )
    from seminars.antivirus import ScanStatus
    from seminars.quarantine import _kinds

    url = reverse("fabrique_detail", args=[world.fabrique_x.slug])
    note_url = reverse("deliverables:public_transversal_note", args=[results.note.pk])
    assert note_url in client.get(url).content.decode()
    transversal_note_unpublish(note=results.note, by=world.staff)
    assert note_url not in client.get(url).content.decode()
    transversal_note_publish(note=results.note, by=world.staff)
    assert note_url in client.get(url).content.decode()

    # A clean file, then a rescan that finds it infected (the quarantine's
    # bulk update, which sends no signal, bumps the version itself).
    note = type(results.note).objects.get(pk=results.note.pk)
    note.file = ContentFile(minimal_pdf(), name="manifeste.pdf")
    note.scan_status = ScanStatus.CLEAN
    note.save()
    download = reverse("deliverables:public_transversal_note_download", args=[note.pk])
    assert download in client.get(url).content.decode()
    type(note).objects.filter(pk=note.pk).update(scan_status=ScanStatus.PENDING)
    assert download in client.get(url).content.decode()  # no signal: still cached
    note_kind = next(kind for kind in _kinds() if kind.model is type(note))
    assert note_kind.set_status(note, ScanStatus.INFECTED)
    assert download not in client.get(url).content.decode()
