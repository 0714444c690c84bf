"""Uploading a seminar's note: real PDF, DOCX and ODT files are accepted and
stored under a server-generated name; every bad input is refused in French and
leaves nothing behind, neither a row nor a file under MEDIA_ROOT."""

import hashlib
import io
import time
import zipfile
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from seminars.models import NoteVersion, Seminar
from seminars.notes import note_upload

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media):
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def held(seminar):
    seminar.status = Seminar.Status.HELD
    seminar.starts_at = datetime(2026, 5, 12, 9, 30, tzinfo=PARIS)
    seminar.ends_at = datetime(2026, 5, 12, 17, tzinfo=PARIS)
    seminar.save(update_fields=["status", "starts_at", "ends_at"])
    return seminar


def minimal_pdf() -> bytes:
    """A one-page PDF written by hand, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def minimal_docx() -> bytes:
    return zipped(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"/>',
            "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
            b'openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>',
        }
    )


def minimal_odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # The ODF rule: "mimetype" first and stored uncompressed.
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b'<?xml version="1.0"?><office:document-content/>')
    return buffer.getvalue()


@pytest.fixture(scope="module")
def docx_bomb() -> bytes:
    """A DOCX whose document entry expands to 200 MB of zeros (about 200 KB zipped)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as entry:
            zeros = bytes(1024 * 1024)
            for _ in range(200):
                entry.write(zeros)
    return buffer.getvalue()


def upload(world, name, content, seminar=None):
    return note_upload(
        seminar=seminar or held(world.seminar_a),
        file=SimpleUploadedFile(name, content),
        summary="Les ateliers ont fait ressortir trois pistes.",
        by=world.prestataire_x,
    )


@pytest.mark.parametrize(
    "name, content",
    [
        ("note-séminaire 1.pdf", minimal_pdf()),
        ("note.docx", minimal_docx()),
        ("note.odt", minimal_odt()),
    ],
)
def test_a_real_document_is_stored_under_a_server_name(world, media, name, content):
    note = upload(world, name, content)

    note.refresh_from_db()
    assert note.version == 1
    assert note.status == NoteVersion.Status.DRAFT
    assert note.size == len(content)
    assert note.sha256 == hashlib.sha256(content).hexdigest()
    assert note.original_name == name.replace(" ", "_")
    extension = name.rsplit(".", 1)[1]
    assert note.file.name.startswith(f"notes/{world.seminar_a.pk}/")
    assert note.file.name.endswith(f".{extension}")
    assert name not in note.file.name
    assert [p.read_bytes() for p in stored_files(media)] == [content]


def test_a_windows_path_in_the_name_keeps_only_the_file_name(world, media):
    note = upload(world, "C:\\Users\\prestataire\\Note <finale>.pdf", minimal_pdf())
    assert note.original_name == "Note_finale.pdf"


EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
PNG_THEN_HTML = b"\x89PNG\r\n\x1a\n" + HTML

BAD_FILES = [
    pytest.param("note.pdf", EXE, "n'est pas un vrai PDF", id="executable-renamed-pdf"),
    pytest.param("note.html", HTML, "Format non accepté", id="html"),
    pytest.param("note.pdf", HTML, "n'est pas un vrai PDF", id="html-renamed-pdf"),
    pytest.param("note.pdf", PNG_THEN_HTML, "n'est pas un vrai PDF", id="png-header-html"),
    pytest.param("note.png", PNG_THEN_HTML, "Format non accepté", id="png"),
    pytest.param("note.pdf", b"", "Le fichier est vide", id="empty"),
    pytest.param(
        "note.pdf", b"%PDF-1.4\n" + bytes(21 * 1024 * 1024), "taille maximale", id="21-mb"
    ),
    pytest.param("note.docx", minimal_pdf(), "vrai document DOCX", id="pdf-renamed-docx"),
    pytest.param("note.docx", minimal_odt(), "vrai document DOCX", id="odt-renamed-docx"),
    pytest.param("note.odt", minimal_docx(), "vrai document ODT", id="docx-renamed-odt"),
    pytest.param("note.docx", b"PK\x03\x04 not a zip", "endommagé", id="broken-zip"),
]


@pytest.mark.parametrize("name, content, message", BAD_FILES)
def test_a_bad_file_is_refused_and_nothing_is_stored(world, media, name, content, message):
    with pytest.raises(ValidationError) as refused:
        upload(world, name, content)

    assert message in " ".join(refused.value.message_dict["file"])
    assert not NoteVersion.objects.exists()
    assert stored_files(media) == []


def test_a_docx_zip_bomb_is_refused_without_being_decompressed(world, media, docx_bomb):
    assert len(docx_bomb) < 1024 * 1024
    started = time.monotonic()
    with pytest.raises(ValidationError) as refused:
        upload(world, "note.docx", docx_bomb)

    # Decompressing 200 MB would take far longer than reading the zip directory.
    assert time.monotonic() - started < 0.5
    assert "volume anormal" in " ".join(refused.value.message_dict["file"])
    assert not NoteVersion.objects.exists()
    assert stored_files(media) == []


def test_an_archive_with_too_many_entries_is_refused(world, media):
    entries = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    entries |= {f"word/media/{n}.xml": b"" for n in range(2001)}
    with pytest.raises(ValidationError, match="volume anormal"):
        upload(world, "note.docx", zipped(entries))
    assert stored_files(media) == []


@pytest.mark.parametrize("status", [Seminar.Status.PLANNED, Seminar.Status.SCHEDULED])
def test_no_note_for_a_seminar_not_held_yet(world, media, status):
    world.seminar_a.status = status
    world.seminar_a.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="n'a pas encore eu lieu"):
        upload(world, "note.pdf", minimal_pdf(), seminar=world.seminar_a)
    assert not NoteVersion.objects.exists()
    assert stored_files(media) == []


def test_the_file_is_removed_when_the_row_cannot_be_written(world, media, monkeypatch):
    def failing_save(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(NoteVersion, "save", failing_save)
    with pytest.raises(RuntimeError):
        upload(world, "note.pdf", minimal_pdf())
    assert stored_files(media) == []


def test_every_upload_is_a_new_version_and_earlier_ones_stay_identical(client, world, media):
    contents = [minimal_pdf(), minimal_docx(), minimal_pdf() + b"% v3\n"]
    names = ["v1.pdf", "v2.docx", "v3.pdf"]
    notes = [upload(world, name, content) for name, content in zip(names, contents, strict=True)]

    assert [note.version for note in notes] == [1, 2, 3]
    assert len(stored_files(media)) == 3
    client.force_login(world.prestataire_x)
    response = client.get(reverse("seminars:note_download", args=[notes[0].pk]))
    assert response.status_code == 200
    downloaded = b"".join(response.streaming_content)
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(contents[0]).hexdigest()
    assert 'filename="v1.pdf"' in response["Content-Disposition"]


# --- Through the page -------------------------------------------------------------


def notes_url(seminar):
    return reverse("seminars:notes", args=[seminar.pk])


def post(client, seminar, name, content, summary="Trois pistes retenues."):
    return client.post(
        notes_url(seminar), {"file": SimpleUploadedFile(name, content), "summary": summary}
    )


def test_the_prestataire_uploads_from_the_page(client, world, media):
    held(world.seminar_a)
    client.force_login(world.prestataire_x)

    response = post(client, world.seminar_a, "note.pdf", minimal_pdf())

    assert response.status_code == 302
    assert response.url == notes_url(world.seminar_a)
    note = NoteVersion.objects.get()
    assert (note.uploaded_by, note.summary) == (world.prestataire_x, "Trois pistes retenues.")


def test_a_refused_file_shows_why_and_keeps_the_summary(client, world, media):
    held(world.seminar_a)
    client.force_login(world.prestataire_x)

    response = post(client, world.seminar_a, "note.pdf", EXE, summary="Mon résumé tapé")

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert "Ce fichier n'est pas un vrai PDF" in page
    assert "fr-upload-group--error" in page
    assert "Mon résumé tapé" in page
    assert not NoteVersion.objects.exists()
    assert stored_files(media) == []


def test_the_page_refuses_a_seminar_not_held(client, world, media):
    client.force_login(world.prestataire_x)
    response = post(client, world.seminar_a, "note.pdf", minimal_pdf())
    assert response.status_code == 200
    assert "n'a pas encore eu lieu" in unescape(response.content.decode())
    assert stored_files(media) == []


def test_a_prestataire_of_another_fabrique_gets_404(client, world, media):
    held(world.seminar_a)
    client.force_login(world.prestataire_y)

    response = post(client, world.seminar_a, "note.pdf", minimal_pdf())

    assert response.status_code == 404
    assert not NoteVersion.objects.exists()
    assert stored_files(media) == []
