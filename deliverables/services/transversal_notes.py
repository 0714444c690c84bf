"""Transversal notes of a Fabrique: written in Markdown in the portal or
uploaded (PDF, DOCX, ODT), then published by ANCT.

Access (who may call what) is the views' business, through accounts.permissions.
An uploaded file reaches MEDIA_ROOT only once every check passed, and is
removed again if the row cannot be written (same pattern as seminars.notes).
"""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deliverables.models import TransversalNote
from seminars.antivirus import AVAILABLE, ScanStatus, upload_scan
from seminars.downloads import download_name
from seminars.uploads import note_file_check

TITLE_MAX = TransversalNote._meta.get_field("title").max_length


def _title_from_file(file) -> str:
    """The uploader's file name, without its extension, as a fallback title."""
    stem = PurePath(download_name(file.name or "", fallback="note")).stem
    return stem.replace("_", " ").strip()[:TITLE_MAX]


def _content_check(*, body: str, has_file: bool) -> None:
    if not body.strip() and not has_file:
        raise ValidationError(
            {"body": _("Rédigez le texte de la note ou joignez un fichier PDF, DOCX ou ODT.")}
        )


def _title_check(title: str) -> None:
    if not title:
        raise ValidationError({"title": _("Donnez un titre à la note.")})


def _save_with_file(note: TransversalNote, file, extension: str, update_fields=None) -> None:
    """Write the row and, when given, the checked file; leave no file behind
    if anything fails."""
    try:
        if file is not None:
            # The name given here only lends its extension to upload_to.
            note.file.save(f"note.{extension}", file, save=False)
        note.full_clean(exclude=["file"])
        note.save(update_fields=update_fields)
    except BaseException:
        if file is not None and note.file.name:
            note.file.storage.delete(note.file.name)
        raise


def transversal_note_create(
    *, fabrique, kind: str, title: str, body: str, file=None, by
) -> TransversalNote:
    """A new (unpublished) transversal note of the Fabrique."""
    body = body or ""
    _content_check(body=body, has_file=file is not None)
    checked = note_file_check(file) if file is not None else None
    title = (title or "").strip() or (_title_from_file(file) if file is not None else "")
    _title_check(title)
    scan_status = (
        upload_scan(file, by=by, what="transversal_note")
        if file is not None
        else ScanStatus.NOT_SCANNED
    )
    note = TransversalNote(
        fabrique=fabrique, kind=kind, title=title, body=body, scan_status=scan_status
    )
    with transaction.atomic():
        _save_with_file(note, file, checked.extension if checked else "")
    return note


def transversal_note_update(
    *, note: TransversalNote, kind: str, title: str, body: str, file=None, remove_file=False, by
) -> TransversalNote:
    """Change a note's text or file. A new file replaces the previous one,
    whose stored copy is deleted once the change is committed."""
    body = body or ""
    keeps_file = bool(note.file) and not remove_file
    _content_check(body=body, has_file=file is not None or keeps_file)
    checked = note_file_check(file) if file is not None else None
    title = (title or "").strip() or (_title_from_file(file) if file is not None else "")
    _title_check(title)
    scan_status = upload_scan(file, by=by, what="transversal_note") if file is not None else None
    previous = note.file.name if note.file and (file is not None or remove_file) else ""
    with transaction.atomic():
        note = TransversalNote.objects.select_for_update().get(pk=note.pk)
        note.kind, note.title, note.body = kind, title, body
        if scan_status is not None:
            note.scan_status = scan_status
        if remove_file and file is None:
            note.file = ""
            note.scan_status = ScanStatus.NOT_SCANNED
        _save_with_file(
            note,
            file,
            checked.extension if checked else "",
            update_fields=["kind", "title", "body", "file", "scan_status"],
        )
        if previous:
            storage = note.file.storage
            transaction.on_commit(lambda: storage.delete(previous))
    return note


@transaction.atomic
def transversal_note_publish(*, note: TransversalNote, by, today=None) -> TransversalNote:
    """ANCT publishes the note: it shows on the Fabrique's public page (when
    the Fabrique is public)."""
    note = TransversalNote.objects.select_for_update().get(pk=note.pk)
    if note.is_published:
        raise ValidationError(_("Cette note est déjà publiée."))
    if note.file and note.scan_status not in AVAILABLE:
        raise ValidationError(
            _(
                "Le document de cette note est en quarantaine : elle pourra être publiée "
                "une fois le document analysé par l'antivirus."
            )
            if note.scan_status == ScanStatus.PENDING
            else _(
                "Le document de cette note a été refusé par l'antivirus : "
                "remplacez-le avant de publier la note."
            )
        )
    note.is_published = True
    note.published_on = today or timezone.localdate()
    note.save(update_fields=["is_published", "published_on"])
    return note


@transaction.atomic
def transversal_note_unpublish(*, note: TransversalNote, by) -> TransversalNote:
    """Withdraw the note from the public pages, and its PDFs with it: a
    published PDF of an unpublished note would stay downloadable otherwise."""
    note = TransversalNote.objects.select_for_update().get(pk=note.pk)
    if not note.is_published:
        raise ValidationError(_("Cette note n'est pas publiée."))
    note.is_published = False
    note.published_on = None
    note.save(update_fields=["is_published", "published_on"])
    note.pdfs.filter(published_at__isnull=False).update(published_at=None)
    return note
