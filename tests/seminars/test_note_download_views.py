"""Downloading a seminar's note: who may download which version, and a response
that the browser saves without rendering."""

from urllib.parse import quote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from seminars.downloads import download_name
from seminars.models import NoteVersion
from tests.factories import NoteVersionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def download_url(note):
    return reverse("seminars:note_download", args=[note.pk])


def statuses(client, world, note):
    seen = {}
    for name, user in world.personas.items():
        client.logout()
        if user:
            client.force_login(user)
        seen[name] = client.get(download_url(note)).status_code
    return seen


def test_a_shared_note_of_a_territory(client, world):
    note = NoteVersionFactory(seminar=world.seminar_a, status=NoteVersion.Status.SHARED)
    assert statuses(client, world, note) == {
        "anonymous": 302,
        "elu_a": 200,
        "referent_a": 200,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 404,
        "copil_x": 200,
        "staff": 200,
    }


@pytest.mark.parametrize(
    "status",
    [
        NoteVersion.Status.DRAFT,
        NoteVersion.Status.SUBMITTED,
        NoteVersion.Status.RETURNED,
        NoteVersion.Status.VALIDATED,
    ],
)
def test_a_version_not_shared_is_for_the_prestataire_and_anct_only(client, world, status):
    note = NoteVersionFactory(seminar=world.seminar_a, status=status)
    assert statuses(client, world, note) == {
        "anonymous": 302,
        "elu_a": 404,
        "referent_a": 404,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 404,
        "copil_x": 404,
        "staff": 200,
    }


def test_a_shared_intersite_note_reaches_every_territory_of_the_fabrique(client, world):
    note = NoteVersionFactory(seminar=world.intersite_x, status=NoteVersion.Status.SHARED)
    seen = statuses(client, world, note)
    assert seen["elu_a"] == seen["referent_a"] == seen["copil_x"] == 200
    assert seen["elu_b"] == seen["prestataire_y"] == 404


def test_the_download_is_an_attachment_the_browser_does_not_render(client, world):
    note = NoteVersionFactory(
        seminar=world.seminar_a,
        status=NoteVersion.Status.SHARED,
        original_name="C:\\Users\\consultant\\Note séminaire 1 (v2).pdf",
        file=ContentFile(b"%PDF-1.4 contenu", name="ignored.pdf"),
    )
    client.force_login(world.elu_a)
    response = client.get(download_url(note))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 contenu"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('Note_séminaire_1_v2.pdf')}" in disposition
    assert "Users" not in disposition


def test_a_missing_file_is_a_404_not_a_crash(client, world):
    note = NoteVersionFactory(seminar=world.seminar_a, status=NoteVersion.Status.SHARED)
    note.file.storage.delete(note.file.name)
    client.force_login(world.elu_a)
    assert client.get(download_url(note)).status_code == 404


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("note.pdf", "note.pdf"),
        ("../../etc/passwd", "passwd"),
        ("dossier\\sous-dossier\\Compte rendu.docx", "Compte_rendu.docx"),
        ("Note d'étape n°2.odt", "Note_détape_n2.odt"),
        ("..", "note-7.pdf"),
        ("", "note-7.pdf"),
    ],
)
def test_the_offered_name_is_the_cleaned_original_one(original, expected):
    assert download_name(original, fallback="note-7.pdf") == expected


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(client, world, settings):
    from django.urls import reverse

    from tests.factories import NoteVersionFactory

    settings.MEDIA_X_ACCEL_PREFIX = "/media/"
    note = NoteVersionFactory(
        seminar=world.seminar_a, status="partagee", original_name="Note é.pdf"
    )
    client.force_login(world.elu_a)
    response = client.get(reverse("seminars:note_download", args=[note.pk]))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/media/{note.file.name}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
