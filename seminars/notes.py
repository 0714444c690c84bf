"""A seminar's note: upload of versions by the prestataire, review by ANCT.

brouillon → soumise → validée → partagée, or soumise → à reprendre, after
which the prestataire uploads a new version. Versions are never overwritten.
Access (who may call what) is the views' business, through accounts.permissions.
"""

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .antivirus import AVAILABLE, ScanStatus, upload_scan
from .downloads import download_name
from .models import NoteVersion, Seminar
from .uploads import note_file_check

Status = NoteVersion.Status

ORIGINAL_NAME_MAX = NoteVersion._meta.get_field("original_name").max_length


def _display_name(uploaded_name: str, extension: str) -> str:
    """The uploader's file name, cleaned and short enough for the column."""
    name = download_name(uploaded_name, fallback=f"note.{extension}")
    if len(name) <= ORIGINAL_NAME_MAX:
        return name
    suffix = PurePath(name).suffix
    return name[: ORIGINAL_NAME_MAX - len(suffix)] + suffix


def _held_check(seminar: Seminar) -> None:
    if seminar.status != Seminar.Status.HELD:
        raise ValidationError(
            _("Ce séminaire n'a pas encore eu lieu : sa note ne peut pas encore être déposée.")
        )


def note_upload(*, seminar: Seminar, file, summary: str, by) -> NoteVersion:
    """Store a new version of the seminar's note (a draft), after checking the file.

    The file reaches MEDIA_ROOT only once every check passed (format, then
    the antivirus when configured), inside the transaction, and is removed
    again if the row cannot be written. With the antivirus down, the version
    is stored in quarantine (``scan_status`` PENDING): see seminars.antivirus.
    """
    _held_check(seminar)
    checked = note_file_check(file)
    scan_status = upload_scan(file, by=by, what="note")
    with transaction.atomic():
        # The lock makes "last version + 1" safe against two uploads at once.
        seminar = Seminar.objects.select_for_update().get(pk=seminar.pk)
        _held_check(seminar)
        last = seminar.notes.aggregate(last=Max("version"))["last"] or 0
        note = NoteVersion(
            seminar=seminar,
            version=last + 1,
            original_name=_display_name(file.name, checked.extension),
            size=checked.size,
            sha256=checked.sha256,
            summary=summary,
            uploaded_by=by,
            scan_status=scan_status,
        )
        try:
            # The name given here only lends its extension to upload_to.
            note.file.save(f"note.{checked.extension}", file, save=False)
            note.save()
        except BaseException:
            if note.file.name:
                note.file.storage.delete(note.file.name)
            raise
    return note


def _locked(note: NoteVersion) -> NoteVersion:
    return NoteVersion.objects.select_for_update().get(pk=note.pk)


def _status_check(note: NoteVersion, expected: str, message: str) -> None:
    if note.status != expected:
        raise ValidationError(
            message % {"version": note.version, "status": note.get_status_display().lower()}
        )


@transaction.atomic
def note_submit(*, note: NoteVersion, by) -> NoteVersion:
    """Hand a draft over to ANCT for review."""
    note = _locked(note)
    _status_check(
        note,
        Status.DRAFT,
        _("La version %(version)s est déjà %(status)s : elle ne peut pas être soumise."),
    )
    if note.scan_status not in AVAILABLE:
        raise ValidationError(
            _(
                "La version %(version)s est en quarantaine : elle pourra être soumise "
                "une fois analysée par l'antivirus."
            )
            % {"version": note.version}
            if note.scan_status == ScanStatus.PENDING
            else _(
                "La version %(version)s a été refusée par l'antivirus : "
                "déposez une nouvelle version."
            )
            % {"version": note.version}
        )
    if note.seminar.notes.filter(version__gt=note.version).exists():
        raise ValidationError(
            _("Une version plus récente existe : seule la dernière version peut être soumise.")
        )
    if note.seminar.notes.filter(status=Status.SUBMITTED).exists():
        raise ValidationError(_("Une version de cette note attend déjà l'avis de l'ANCT."))
    note.status = Status.SUBMITTED
    note.submitted_at = timezone.now()
    note.save(update_fields=["status", "submitted_at"])
    return note


def _review(note: NoteVersion, *, status: str, comment: str, by) -> NoteVersion:
    note.status = status
    note.review_comment = comment
    note.reviewed_by = by
    note.reviewed_at = timezone.now()
    note.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    return note


@transaction.atomic
def note_validate(*, note: NoteVersion, by) -> NoteVersion:
    note = _locked(note)
    _status_check(
        note,
        Status.SUBMITTED,
        _("La version %(version)s est %(status)s : seule une note soumise peut être validée."),
    )
    return _review(note, status=Status.VALIDATED, comment="", by=by)


@transaction.atomic
def note_return(*, note: NoteVersion, comment: str, by) -> NoteVersion:
    """Send a submitted note back to the prestataire, saying what to change."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(
            {"comment": _("Indiquez au prestataire ce qu'il doit reprendre dans la note.")}
        )
    note = _locked(note)
    _status_check(
        note,
        Status.SUBMITTED,
        _("La version %(version)s est %(status)s : seule une note soumise peut être renvoyée."),
    )
    return _review(note, status=Status.RETURNED, comment=comment, by=by)


@transaction.atomic
def note_share(*, note: NoteVersion, by) -> NoteVersion:
    """Make a validated note visible to the territory (and the COPIL)."""
    note = _locked(note)
    _status_check(
        note,
        Status.VALIDATED,
        _("La version %(version)s est %(status)s : seule une note validée peut être partagée."),
    )
    note.status = Status.SHARED
    note.shared_at = timezone.now()
    note.save(update_fields=["status", "shared_at"])
    return note
