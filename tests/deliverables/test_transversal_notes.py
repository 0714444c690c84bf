"""Transversal notes in the portal: written or uploaded by the Fabrique's
prestataire, read by whoever sees the Fabrique once published, published by ANCT."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deliverables.models import TransversalNote
from tests.factories import TransversalNoteFactory
from tests.seminars.test_note_uploads import minimal_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


@pytest.fixture
def notes(world):
    """A draft and a published note of Fabrique X."""
    draft = TransversalNoteFactory(fabrique=world.fabrique_x, title="Brouillon de méthode")
    published = TransversalNoteFactory(
        fabrique=world.fabrique_x,
        kind=TransversalNote.Kind.MANIFESTO,
        title="Manifeste des villes moyennes",
        body="# Manifeste\n\nNous, « territoires », affirmons…",
        is_published=True,
        published_on=date(2026, 9, 1),
    )
    return draft, published


def add_url(world):
    return reverse("deliverables:transversal_note_add", args=[world.fabrique_x.pk])


def test_the_prestataire_writes_a_note_in_markdown(client, world):
    client.force_login(world.prestataire_x)
    response = client.post(
        add_url(world),
        {
            "kind": "methode",
            "title": "Note de méthode",
            "body": "# La méthode\n\nTrois temps : *diagnostic*, « vision », actions.",
        },
    )
    note = TransversalNote.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deliverables:transversal_note", args=[note.pk])
    assert note.fabrique == world.fabrique_x and not note.is_published and not note.file
    page = client.get(response["Location"]).content.decode()
    assert "<h2>La méthode</h2>" in page
    assert "<em>diagnostic</em>, « vision »" in page


def test_the_preview_shows_the_sanitised_text_and_saves_nothing(client, world):
    client.force_login(world.prestataire_x)
    body = "## Aperçu\n\n<script>alert(1)</script> **gras**"
    response = client.post(
        add_url(world), {"action": "apercu", "kind": "methode", "title": "Essai", "body": body}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert not TransversalNote.objects.exists()
    assert "<h3>Aperçu</h3>" in page and "<strong>gras</strong>" in page
    assert "<script>alert(1)</script>" not in page
    # The typed text stays in the form, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; **gras**" in page
    assert 'value="Essai"' in page


def test_a_note_needs_a_text_or_a_file_and_keeps_what_was_typed(client, world):
    client.force_login(world.prestataire_x)
    response = client.post(add_url(world), {"kind": "methode", "title": "Sans contenu"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Rédigez le texte de la note ou joignez un fichier PDF, DOCX ou ODT." in page
    assert 'value="Sans contenu"' in page
    assert not TransversalNote.objects.exists()


def test_an_uploaded_pdf_is_stored_under_a_server_name(client, world, media):
    client.force_login(world.prestataire_x)
    upload = SimpleUploadedFile("Recommandations finales.pdf", minimal_pdf(), "application/pdf")
    response = client.post(add_url(world), {"kind": "recommandations", "file": upload})
    note = TransversalNote.objects.get()
    assert response.status_code == 302
    assert note.title == "Recommandations finales"  # from the file's name
    assert note.file.name.startswith(f"transversal/{world.fabrique_x.pk}/")
    assert "Recommandations" not in note.file.name and note.file.name.endswith(".pdf")
    download = client.get(reverse("deliverables:transversal_note_download", args=[note.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == minimal_pdf()
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_an_html_file_renamed_pdf_is_refused_and_nothing_is_left(client, world, media):
    client.force_login(world.prestataire_x)
    upload = SimpleUploadedFile(
        "note.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"
    )
    response = client.post(
        add_url(world),
        {"kind": "methode", "title": "Note piégée", "body": "Texte gardé", "file": upload},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Ce fichier n&#x27;est pas un vrai PDF" in page
        or "Ce fichier n'est pas un vrai PDF" in page
    )
    assert "Texte gardé" in page and 'value="Note piégée"' in page
    assert not TransversalNote.objects.exists()
    assert stored_files(media) == []


def test_the_prestataire_edits_a_draft_and_replaces_its_file(client, world, media):
    note = TransversalNoteFactory(fabrique=world.fabrique_x, title="Avant")
    client.force_login(world.prestataire_x)
    url = reverse("deliverables:transversal_note_edit", args=[note.pk])
    assert "Avant" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "kind": "manifeste",
            "title": "Après",
            "body": "Nouveau texte",
            "file": SimpleUploadedFile("m.pdf", minimal_pdf(), "application/pdf"),
        },
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.title, note.kind, note.body) == ("Après", "manifeste", "Nouveau texte")
    assert note.file.name.endswith(".pdf") and len(stored_files(media)) == 1


def test_removing_the_only_content_is_refused(client, world, media):
    client.force_login(world.prestataire_x)
    client.post(
        add_url(world),
        {"kind": "methode", "title": "Doc", "file": SimpleUploadedFile("d.pdf", minimal_pdf())},
    )
    note = TransversalNote.objects.get()
    response = client.post(
        reverse("deliverables:transversal_note_edit", args=[note.pk]),
        {"kind": "methode", "title": "Doc", "body": "", "remove_file": "on"},
    )
    assert response.status_code == 200
    assert "Rédigez le texte de la note ou joignez un fichier" in response.content.decode()
    note.refresh_from_db()
    assert note.file


def test_a_published_note_is_edited_by_anct_only(client, world, notes):
    _draft, published = notes
    url = reverse("deliverables:transversal_note_edit", args=[published.pk])
    client.force_login(world.prestataire_x)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("deliverables:transversal_note", args=[published.pk])
    client.force_login(world.staff)
    assert client.get(url).status_code == 200


def test_the_team_sees_every_note_the_others_only_the_published_ones(client, world, notes):
    draft, published = notes
    url = reverse("deliverables:transversal_notes", args=[world.fabrique_x.pk])
    for persona in ("prestataire_x", "staff"):
        client.force_login(world.personas[persona])
        page = client.get(url).content.decode()
        assert draft.title in page and published.title in page, persona
        assert (
            client.get(reverse("deliverables:transversal_note", args=[draft.pk])).status_code == 200
        )
    for persona in ("elu_a", "referent_a", "copil_x"):
        client.force_login(world.personas[persona])
        page = client.get(url).content.decode()
        assert published.title in page and draft.title not in page, persona
        assert "Nouvelle note transversale" not in page
        detail = client.get(reverse("deliverables:transversal_note", args=[published.pk]))
        assert detail.status_code == 200 and "<h2>Manifeste</h2>" in detail.content.decode()
        for name in ("transversal_note", "transversal_note_download", "transversal_note_edit"):
            assert client.get(reverse(f"deliverables:{name}", args=[draft.pk])).status_code == 404
        assert client.get(add_url(world)).status_code == 404


def test_another_fabrique_s_people_get_404(client, world, notes):
    _draft, published = notes
    for persona in ("prestataire_y", "elu_b"):
        client.force_login(world.personas[persona])
        for name, pk in (
            ("transversal_notes", world.fabrique_x.pk),
            ("transversal_note_add", world.fabrique_x.pk),
            ("transversal_note", published.pk),
            ("transversal_note_edit", published.pk),
        ):
            assert client.get(reverse(f"deliverables:{name}", args=[pk])).status_code == 404, (
                persona,
                name,
            )
        post = client.post(add_url(world), {"kind": "methode", "title": "Intrus", "body": "x"})
        assert post.status_code == 404
    assert not TransversalNote.objects.filter(title="Intrus").exists()


def test_publishing_is_for_anct_staff_only(client, world, notes):
    draft, _published = notes
    url = reverse("deliverables:transversal_note_publish", args=[draft.pk])
    for persona in ("prestataire_x", "copil_x", "elu_a"):
        client.force_login(world.personas[persona])
        assert client.post(url, {"action": "publier"}).status_code == 404
    draft.refresh_from_db()
    assert not draft.is_published
    client.force_login(world.staff)
    assert client.post(url, {"action": "publier"}).status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_on is not None
    assert client.post(url, {"action": "retirer"}).status_code == 302
    draft.refresh_from_db()
    assert not draft.is_published and draft.published_on is None


def test_the_fabrique_pages_link_to_the_notes(client, world):
    url = reverse("deliverables:transversal_notes", args=[world.fabrique_x.pk])
    client.force_login(world.prestataire_x)
    page = client.get(reverse("fabriques:prestataire_fabrique", args=[world.fabrique_x.pk]))
    assert url in page.content.decode()
    client.force_login(world.copil_x)
    page = client.get(reverse("fabriques:copil_fabrique", args=[world.fabrique_x.pk]))
    assert url in page.content.decode()


def test_the_team_asks_for_the_note_s_pdf_and_finds_it_in_the_panel(client, world):
    note = TransversalNoteFactory(
        fabrique=world.fabrique_x, title="Note de méthode", body="# Méthode\n\nTexte."
    )
    url = reverse("deliverables:transversal_note", args=[note.pk])
    client.force_login(world.prestataire_x)
    assert "Produire le PDF" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    pdf = note.pdfs.get()
    page = client.get(url).content.decode()
    assert f"pdf-{pdf.token}" in page
    # The COPIL reads the PDFs of a published note but does not produce any.
    TransversalNote.objects.filter(pk=note.pk).update(
        is_published=True, published_on=date(2026, 9, 1)
    )
    client.force_login(world.copil_x)
    page = client.get(url).content.decode()
    assert f"pdf-{pdf.token}" in page and "Produire le PDF" not in page
    assert client.post(url).status_code == 404
