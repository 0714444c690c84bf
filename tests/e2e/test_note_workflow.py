"""A seminar's note from end to end in a real browser: the prestataire uploads
a PDF and submits it, ANCT validates and shares it, the territory's élu
downloads exactly the file that was uploaded. The note pages of the
prestataire and of ANCT pass axe-core's audit on the way.
"""

import re
from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from seminars.models import NoteVersion, Seminar
from tests.conftest import TEST_TOTP_SECRET
from tests.e2e.conftest import axe_violations, log_in

pytestmark = [
    pytest.mark.e2e,
    # Live-server tests truncate tables; serialized rollback restores the rows
    # the migrations created for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SUMMARY = "Le séminaire a retenu trois pistes pour la revitalisation du centre-ville."


def minimal_pdf() -> bytes:
    """A small but well-formed one-page PDF (header, objects, xref, trailer)."""
    stream = b"BT /F1 18 Tf 72 720 Td (Note du seminaire local 1) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(pdf)


@pytest.fixture
def held_world(world, settings, tmp_path):
    """Territory A's first local seminar took place in June."""
    settings.MEDIA_ROOT = tmp_path / "media"
    paris = timezone.get_current_timezone()
    seminar = world.seminar_a
    seminar.starts_at = datetime(2026, 6, 10, 14, 0, tzinfo=paris)
    seminar.ends_at = datetime(2026, 6, 10, 17, 0, tzinfo=paris)
    seminar.place = "Mairie de Territoire A"
    seminar.status = Seminar.Status.HELD
    seminar.save()
    return world


def assert_no_axe_violation(page):
    violations = axe_violations(page)
    assert violations == [], f"{page.url}:\n" + "\n".join(violations)


def test_note_goes_from_prestataire_through_anct_to_the_elu(
    browser, browser_context_args, live_server, held_world, tmp_path
):
    w = held_world
    seminar_label = str(w.seminar_a)
    pdf_bytes = minimal_pdf()
    pdf_path = tmp_path / "note-seminaire-local-1.pdf"
    pdf_path.write_bytes(pdf_bytes)

    # The prestataire and ANCT get the audit's context (its CSP bypass lets
    # axe-core in); the élu a plain one.
    prestataire_context = browser.new_context(**browser_context_args, bypass_csp=True)
    staff_context = browser.new_context(**browser_context_args, bypass_csp=True)
    elu_context = browser.new_context(**browser_context_args)
    try:
        # --- The prestataire uploads version 1 and submits it -----------------
        page = prestataire_context.new_page()
        log_in(page, live_server, w.prestataire_x, totp_secret=TEST_TOTP_SECRET)
        expect(page).not_to_have_url(re.compile("/compte/"))
        page.goto(f"{live_server.url}/prestataire/fabriques/{w.fabrique_x.pk}/")
        calendar = page.locator(f"#calendar-{w.participation_a.pk}")
        row = calendar.get_by_role("row").filter(has_text=seminar_label)
        expect(row).to_contain_text("Tenu")
        notes_url = f"/seminaires/{w.seminar_a.pk}/notes/"
        # Found by its target, so the rest of the workflow is checked even
        # while its label is wrong; the label is checked at the very end.
        note_link = row.locator(f'a[href="{notes_url}"]')
        note_link_name = " ".join(note_link.text_content().split())
        note_link.click()
        expect(page).to_have_url(live_server.url + notes_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Note du séminaire")
        expect(
            page.get_by_text("Aucune version de la note n'a encore été déposée.")
        ).to_be_visible()
        assert_no_axe_violation(page)

        page.set_input_files("input[type=file][name=file]", str(pdf_path))
        page.get_by_label("Résumé").fill(SUMMARY)
        page.get_by_role("button", name="Déposer cette version").click()
        expect(page.get_by_text("Version 1 de la note déposée.")).to_be_visible()
        versions = page.locator("#note-versions tbody tr")
        expect(versions).to_have_count(1)
        expect(versions.first).to_contain_text("v1")
        expect(versions.first).to_contain_text("Déposée")
        expect(versions.first).to_contain_text(pdf_path.name)
        expect(page.get_by_text(SUMMARY)).to_be_visible()
        assert_no_axe_violation(page)

        page.get_by_role("button", name="Soumettre la version 1 à l'ANCT").click()
        expect(page.get_by_text("Version 1 soumise à l'ANCT.")).to_be_visible()
        expect(versions.first).to_contain_text("Soumise")
        expect(page.get_by_role("button", name=re.compile("^Soumettre"))).to_have_count(0)

        note = NoteVersion.objects.get(seminar=w.seminar_a)
        assert (note.version, note.status) == (1, NoteVersion.Status.SUBMITTED)

        # --- ANCT validates the note, then shares it ---------------------------
        page = staff_context.new_page()
        log_in(page, live_server, w.staff, totp_secret=TEST_TOTP_SECRET)
        expect(page).not_to_have_url(re.compile("/compte/"))
        page.goto(f"{live_server.url}/anct/notes/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Notes à examiner")
        submitted = page.locator("#notes-submitted tbody tr")
        expect(submitted).to_have_count(1)
        expect(submitted.first).to_contain_text("Territoire A")
        submitted.first.get_by_role("link", name=re.compile("^Examiner")).click()
        expect(page).to_have_url(f"{live_server.url}/anct/notes/{note.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Examen de la note, version 1")
        expect(page.get_by_text(SUMMARY)).to_be_visible()
        assert_no_axe_violation(page)

        page.get_by_role("button", name="Valider la note").click()
        expect(page.get_by_text("Version 1 validée.")).to_be_visible()
        page.get_by_role("button", name="Partager avec le territoire").click()
        expect(page.get_by_text("Version 1 partagée avec le territoire.")).to_be_visible()
        expect(page.get_by_role("button", name="Partager avec le territoire")).to_have_count(0)
        assert_no_axe_violation(page)
        note.refresh_from_db()
        assert note.status == NoteVersion.Status.SHARED
        assert note.reviewed_by == w.staff

        # --- The élu finds the shared note and downloads it --------------------
        page = elu_context.new_page()
        log_in(page, live_server, w.elu_a)
        expect(page).to_have_url(f"{live_server.url}/territoire/{w.participation_a.pk}/")
        shared = page.locator("#shared-notes tbody tr")
        expect(shared).to_have_count(1)
        expect(shared.first).to_contain_text(seminar_label)
        expect(shared.first).to_contain_text("v1")
        with page.expect_download() as download_info:
            shared.first.get_by_role("link", name=re.compile("^Télécharger la note")).click()
        download = download_info.value
        assert download.suggested_filename == pdf_path.name
        assert download.failure() is None
        with open(download.path(), "rb") as downloaded:
            assert downloaded.read() == pdf_bytes

        # The prestataire's link reads "Note" (like its column's header), not
        # allauth's French for the context-free msgid "Note" ("Remarque").
        assert note_link_name.startswith("Note — "), note_link_name
    finally:
        for context in (prestataire_context, staff_context, elu_context):
            context.close()
