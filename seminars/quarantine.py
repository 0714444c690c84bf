"""Rescanning the uploads left in quarantine while the antivirus was down.

Run by the beat task ``seminars.tasks.scan_quarantine_task`` (every five
minutes) and the ``scan_quarantine`` management command. Each file waiting
(``PENDING``) is sent to the daemon again:

- clean: ``CLEAN``, the file becomes available;
- infected: ``INFECTED``, its stored bytes are deleted (the row stays, as a
  trace, with its file name), the refusal is written to the security log, and
  the uploader and ANCT staff are told by e-mail;
- daemon still unreachable: the sweep stops there and everything left stays
  ``PENDING``, for the next run. Nothing is ever released unscanned, even if
  the antivirus was switched off in the meantime.

Each change is a conditional UPDATE from ``PENDING``, so two sweeps running at
once never both delete a file or send the same e-mail.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.emails import absolute_url, send_templated_email
from accounts.roles import anct_staff
from accounts.security_log import security_event
from fabriques.public_cache import bump_public_version

from . import antivirus
from .antivirus import ScanStatus

logger = logging.getLogger(__name__)


@dataclass
class RescanReport:
    clean: int = 0
    infected: int = 0
    pending: int = 0  # still waiting: the daemon could not be reached
    missing: int = 0  # waiting, but the stored file is gone (logged as an error)
    enabled: bool = True
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Quarantined:
    """One kind of upload, as the sweep sees it."""

    what: str
    model: type
    file_field: str
    status_field: str
    # Who uploaded a row's file (None: nobody known), and the file in French
    # with the page to go back to.
    uploader: Callable
    described: Callable

    def pending(self):
        return self.model.objects.filter(**{self.status_field: ScanStatus.PENDING}).order_by("pk")

    def set_status(self, row, status) -> bool:
        """Move ``row`` from PENDING to ``status``; False if someone else did first."""
        updated = self.model.objects.filter(
            pk=row.pk, **{self.status_field: ScanStatus.PENDING}
        ).update(**{self.status_field: status})
        if updated:
            # A bulk update sends no signal, and a published transversal note's
            # link is part of its Fabrique's cached public page.
            bump_public_version()
        return updated == 1


def _kinds() -> list[Quarantined]:
    from deliverables.models import RoadmapVersion, TransversalNote

    from .models import NoteVersion

    return [
        Quarantined("note", NoteVersion, "file", "scan_status", _note_uploader, _note_described),
        Quarantined(
            "transversal_note",
            TransversalNote,
            "file",
            "scan_status",
            _transversal_note_uploader,
            _transversal_note_described,
        ),
        Quarantined(
            "deliberation",
            RoadmapVersion,
            "deliberation",
            "deliberation_scan_status",
            _deliberation_uploader,
            _deliberation_described,
        ),
    ]


def quarantine_rescan() -> RescanReport:
    report = RescanReport(enabled=antivirus.is_enabled())
    kinds = _kinds()
    if not report.enabled:
        # Off now, but these files were never scanned: they stay in quarantine.
        report.pending = sum(kind.pending().count() for kind in kinds)
        return report
    for kind in kinds:
        rows = list(kind.pending())
        for index, row in enumerate(rows):
            stored = getattr(row, kind.file_field)
            if not stored.name or not stored.storage.exists(stored.name):
                logger.error("Quarantined file missing: %s %s", kind.what, row.pk)
                report.missing += 1
                continue
            with stored.storage.open(stored.name, "rb") as content:
                result = antivirus.scan(content)
            if result.verdict == antivirus.CLEAN:
                report.clean += kind.set_status(row, ScanStatus.CLEAN)
            elif result.verdict == antivirus.INFECTED:
                report.infected += _refuse(kind, row, stored, result.signature)
            else:
                # Down again (or switched off): the rest waits for the next run.
                report.pending += len(rows) - index
                report.pending += sum(
                    later.pending().count() for later in kinds[kinds.index(kind) + 1 :]
                )
                report.details.append(result.detail)
                return report
    return report


def _refuse(kind: Quarantined, row, stored, signature: str) -> bool:
    with transaction.atomic():
        if not kind.set_status(row, ScanStatus.INFECTED):
            return False
        name, storage = stored.name, stored.storage
        # The name stays on the row as a trace; the bytes go once committed.
        transaction.on_commit(lambda: storage.delete(name))
        transaction.on_commit(lambda: _tell(kind, row, signature))
    security_event("quarantine_virus_deleted", what=kind.what, id=row.pk, signature=signature)
    return True


# --- Telling people -------------------------------------------------------------


def _note_uploader(note):
    return note.uploaded_by


def _deliberation_uploader(version):
    return version.adopted_by


def _transversal_note_uploader(note):
    """A transversal note has no uploader column: whoever first saved the row
    with that file, from its history."""
    record = (
        note.history.filter(file=note.file.name, history_user__isnull=False)
        .select_related("history_user")
        .order_by("history_date")
        .first()
    )
    return record.history_user if record else None


def _note_described(note) -> tuple[str, str]:
    return (
        _("la version %(version)s de la note du séminaire « %(seminar)s »")
        % {"version": note.version, "seminar": note.seminar},
        reverse("seminars:notes", args=[note.seminar_id]),
    )


def _deliberation_described(version) -> tuple[str, str]:
    roadmap = version.roadmap
    return (
        _("la délibération jointe à la version %(number)s de la feuille de route de %(name)s")
        % {"number": version.number, "name": roadmap.participation.territory.name},
        reverse("deliverables:roadmap_version", args=[roadmap.participation_id, version.number]),
    )


def _transversal_note_described(note) -> tuple[str, str]:
    return (
        _("le document de la note transversale « %(title)s »") % {"title": note.title},
        reverse("deliverables:transversal_note", args=[note.pk]),
    )


def _tell(kind: Quarantined, row, signature: str) -> None:
    uploader = kind.uploader(row)
    staff = [user.email for user in anct_staff() if user.email]
    if uploader is not None and uploader.is_active and uploader.email:
        to = [uploader.email]
        cc = [email for email in staff if email != uploader.email]
    else:
        to, cc = staff, []
    if not to:
        logger.error("Nobody to tell about a refused %s (%s)", kind.what, row.pk)
        return
    what, path = kind.described(row)
    try:
        send_templated_email(
            template="antivirus_refused",
            to=to,
            cc=cc,
            context={
                "first_name": uploader.first_name if uploader is not None else "",
                "what": what,
                "signature": signature,
                "link": absolute_url(path),
            },
        )
    except Exception:
        # The file is refused and deleted whatever happens to the e-mail.
        logger.exception("Could not send the antivirus refusal of %s %s", kind.what, row.pk)
