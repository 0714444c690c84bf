"""PDF jobs: a roadmap (draft or adopted version), a transversal note or the
Fabrique's publication, rendered by a Celery worker into a ``GeneratedPdf``.

A job is one row per source and content (``source_key`` + ``source_sha256``):
asking again for the same content returns the same row and its one file, a
changed draft gets a new row and the earlier PDFs stay. Rendering claims the
row with a conditional update, so two workers never render the same job, and
writes the file under the job's own name, so a retried job overwrites its
file instead of leaving a second copy.
"""

import hashlib
import logging
import time
from datetime import date, timedelta
from decimal import Decimal

from celery.exceptions import Retry, SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from accounts.permissions import is_anct_staff
from deliverables.markdown import markdown_to_html
from deliverables.models import GeneratedPdf, Roadmap, RoadmapVersion, TransversalNote
from deliverables.pdf import render_pdf_pages
from deliverables.services.pdf_sources import (
    Source,
    follow_up_report_source,
    note_source,
    publication_source,
    roadmap_source,
    version_source,
)
from fabriques.models import Fabrique

logger = logging.getLogger(__name__)

# The worker's hard time limit (deliverables.tasks) plus a margin: a job still
# "rendering" after that lost its worker and may be claimed again.
RENDER_TIME_LIMIT = 150
STALE_RENDERING_AFTER = timedelta(seconds=RENDER_TIME_LIMIT + 60)
# How many times one request is tried (the first run and Celery's retries).
MAX_ATTEMPTS = 4
# On PostgreSQL a worker holds a session advisory lock (this namespace, the
# job's id) while it renders a job. The lock goes with the worker's database
# session, so a job "rendering" whose lock nobody holds lost its worker (killed
# with kill -9, OOM, machine gone): it is taken over at once instead of after
# STALE_RENDERING_AFTER. Needs direct connections (or session pooling), which
# is how the portal connects.
RENDER_LOCK_NAMESPACE = 4_240_501
# A message given back by a worker killed a moment ago may come back before
# PostgreSQL has closed that worker's session: how long to wait for its lock.
RENDER_LOCK_WAIT = 5.0

TEMPLATES = {
    GeneratedPdf.Kind.ROADMAP: "deliverables/pdf/roadmap.html",
    GeneratedPdf.Kind.TRANSVERSAL_NOTE: "deliverables/pdf/transversal_note.html",
    GeneratedPdf.Kind.PUBLICATION: "deliverables/pdf/publication.html",
    GeneratedPdf.Kind.FOLLOW_UP_REPORT: "deliverables/pdf/follow_up_report.html",
}


class PdfRenderFailed(Exception):
    """The job is marked failed; raised so that Celery retries it."""


class SourceChanged(Exception):
    """The source no longer has the content the job was requested for."""


# --- Requesting ----------------------------------------------------------------------


def _enqueue(pdf: GeneratedPdf) -> None:
    """Send the job to the workers once the row is committed.

    With the broker down the row stays queued (``requeue_pdfs`` sends it
    later) and ``pdf.enqueue_failed`` tells the view to say so. In eager mode
    (no broker configured) the render runs here: its failure is already on
    the row, the page must not crash on it."""
    from deliverables.tasks import render_pdf_task  # the task module imports this one

    pdf.enqueue_failed = False

    def send():
        try:
            render_pdf_task.delay(pdf.pk)
        except OperationalError:
            logger.warning("Broker unreachable: PDF job %s stays queued", pdf.pk)
            pdf.enqueue_failed = True
        except (PdfRenderFailed, Retry):
            logger.info("PDF job %s failed in eager mode", pdf.pk)

    transaction.on_commit(send)


def _request(source: Source, *, by) -> GeneratedPdf:
    with transaction.atomic():
        try:
            with transaction.atomic():
                pdf, created = GeneratedPdf.objects.get_or_create(
                    source_key=source.key,
                    source_sha256=source.sha256,
                    defaults={
                        "kind": source.kind,
                        "title": source.title,
                        "fabrique_id": source.fabrique_id,
                        "participation_id": source.participation_id,
                        "roadmap_version_id": source.roadmap_version_id,
                        "transversal_note_id": source.transversal_note_id,
                        "requested_by": by,
                    },
                )
        except IntegrityError:
            # Two people asked at the same moment: the other request made the row.
            pdf, created = (
                GeneratedPdf.objects.get(source_key=source.key, source_sha256=source.sha256),
                False,
            )
        if not created and pdf.state == GeneratedPdf.State.FAILED:
            _requeue_failed(pdf)
        if created or pdf.state == GeneratedPdf.State.QUEUED:
            # A queued job may have missed the broker: sending it again is
            # harmless, only one worker can claim it.
            _enqueue(pdf)
    return pdf


def _requeue_failed(pdf: GeneratedPdf) -> bool:
    requeued = GeneratedPdf.objects.filter(pk=pdf.pk, state=GeneratedPdf.State.FAILED).update(
        state=GeneratedPdf.State.QUEUED, error="", finished_at=None
    )
    pdf.refresh_from_db()
    return bool(requeued)


def roadmap_pdf_request(*, roadmap: Roadmap, by) -> GeneratedPdf:
    """The roadmap as it is now (draft, submitted or adopted)."""
    source, _snapshot = roadmap_source(roadmap)
    return _request(source, by=by)


def roadmap_version_pdf_request(*, version: RoadmapVersion, by) -> GeneratedPdf:
    """An adopted version, from its frozen content: always the same PDF."""
    return _request(version_source(version), by=by)


def transversal_note_pdf_request(*, note: TransversalNote, by) -> GeneratedPdf:
    """A note written in the portal (an uploaded note is its own document)."""
    if not note.body.strip():
        raise ValidationError(_("Seule une note rédigée dans le portail peut être mise en PDF."))
    source, _snapshot = note_source(note)
    return _request(source, by=by)


def publication_pdf_request(*, fabrique: Fabrique, by) -> GeneratedPdf:
    """The Fabrique's publication: its adopted roadmaps and transversal notes."""
    if not is_anct_staff(by):
        raise PermissionDenied
    source, _snapshot = publication_source(fabrique)
    return _request(source, by=by)


def follow_up_report_pdf_request(*, fabrique: Fabrique, by) -> GeneratedPdf:
    """The six-month report: follow-up dates and notes, each territory's actions."""
    if not is_anct_staff(by):
        raise PermissionDenied
    source, _snapshot = follow_up_report_source(fabrique)
    return _request(source, by=by)


def pdf_retry(*, pdf: GeneratedPdf, by) -> GeneratedPdf:
    """A failed job, queued again."""
    with transaction.atomic():
        if not _requeue_failed(pdf):
            raise ValidationError(_("Seul un PDF en échec peut être relancé."))
        _enqueue(pdf)
    return pdf


def stale_pdfs_requeue(*, queued_for: timedelta = timedelta(minutes=10)) -> int:
    """Send again the jobs the workers never got (queued for ``queued_for``,
    e.g. while the broker was down) or lost (rendering, but its worker died:
    on PostgreSQL nobody holds its render lock; elsewhere, beyond the time
    limit). Returns how many were sent."""
    now = timezone.now()
    candidates = list(
        GeneratedPdf.objects.filter(
            Q(state=GeneratedPdf.State.QUEUED, requested_at__lt=now - queued_for)
            | Q(state=GeneratedPdf.State.RENDERING)
        )
        .order_by("requested_at")
        .values_list("pk", "state", "started_at")
    )
    from deliverables.tasks import render_pdf_task

    sent = 0
    for pk, state, started_at in candidates:
        if state == GeneratedPdf.State.RENDERING and not _orphan_release(pk, started_at, now):
            continue
        render_pdf_task.delay(pk)
        sent += 1
    return sent


def _orphan_release(pdf_id: int, started_at, now) -> bool:
    """Put a job whose worker died back in the queue; False if it is still
    being rendered (its worker holds the lock, or is within the time limit)."""
    if not _uses_render_locks():
        if started_at is None or started_at >= now - STALE_RENDERING_AFTER:
            return False
        return _rendering_to_queued(pdf_id)
    if not _render_lock_take(pdf_id):
        return False  # its worker is alive and rendering it
    try:
        return _rendering_to_queued(pdf_id)
    finally:
        _render_lock_release(pdf_id)


def _rendering_to_queued(pdf_id: int) -> bool:
    return bool(
        GeneratedPdf.objects.filter(pk=pdf_id, state=GeneratedPdf.State.RENDERING).update(
            state=GeneratedPdf.State.QUEUED
        )
    )


# --- Render locks (PostgreSQL) ---------------------------------------------------------


def _uses_render_locks() -> bool:
    return connection.vendor == "postgresql"


def _render_lock_key(pdf_id: int) -> list[int]:
    return [RENDER_LOCK_NAMESPACE, pdf_id % 2**31]


def _render_lock_take(pdf_id: int, *, wait: float = 0) -> bool:
    deadline = time.monotonic() + wait
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _render_lock_key(pdf_id))
            if cursor.fetchone()[0]:
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _render_lock_release(pdf_id: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _render_lock_key(pdf_id))
    except DatabaseError:
        # The session is gone (database restarted) and its lock with it.
        logger.warning("Render lock of PDF job %s: session lost", pdf_id)


# --- Rendering (in the worker) -----------------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _printable_action(action: dict) -> dict:
    return action | {
        "starts_on": _day(action.get("starts_on")),
        "ends_on": _day(action.get("ends_on")),
        "budget_eur": Decimal(action["budget_eur"]) if action.get("budget_eur") else None,
    }


def _printable_roadmap(snapshot: dict) -> dict:
    """The snapshot with dates and amounts as Python values for the template."""
    return snapshot | {
        "adopted_on": _day(snapshot.get("adopted_on")),
        "axes": [
            axis | {"actions": [_printable_action(action) for action in axis.get("actions", [])]}
            for axis in snapshot.get("axes", [])
        ],
        "actions_without_axis": [
            _printable_action(action) for action in snapshot.get("actions_without_axis", [])
        ],
    }


def _printable_note(snapshot: dict) -> dict:
    return snapshot | {"published_on": _day(snapshot.get("published_on"))}


def _context(pdf: GeneratedPdf) -> dict:
    """What the job's template prints, checked against the requested content."""
    if pdf.roadmap_version_id:
        version = pdf.roadmap_version
        return {
            "roadmap": _printable_roadmap(
                version.content | {"version": version.number, "adopted_on": str(version.adopted_on)}
            ),
            "territory_name": version.roadmap.participation.territory.name,
            "fabrique_title": version.roadmap.participation.fabrique.display_title,
        }
    kind, _sep, pk = pdf.source_key.partition(":")
    if kind == "roadmap":
        source, snapshot = roadmap_source(Roadmap(pk=int(pk)))
        context = {
            "roadmap": _printable_roadmap(snapshot),
            "draft_on": timezone.localtime(pdf.requested_at).date(),
            "territory_name": snapshot["territory"]["name"],
            "fabrique_title": snapshot["fabrique"]["display_title"],
        }
    elif kind == "note":
        source, snapshot = note_source(pdf.transversal_note)
        context = {"note": _printable_note(snapshot), "fabrique_title": pdf.fabrique.display_title}
    elif kind == "publication":
        source, snapshot = publication_source(pdf.fabrique)
        context = {
            "fabrique": snapshot["fabrique"]
            | {
                "start_date": _day(snapshot["fabrique"]["start_date"]),
                "end_date": _day(snapshot["fabrique"]["end_date"]),
            },
            "partners": snapshot["partners"],
            "territories": [
                territory
                | {
                    "version": _printable_roadmap(territory["version"])
                    if territory["version"]
                    else None
                }
                for territory in snapshot["territories"]
            ],
            "notes": [
                _printable_note(note) | {"html": markdown_to_html(note["body"], heading_shift=2)}
                for note in snapshot["notes"]
                if note["body"].strip()
            ],
            "annexes": [
                _printable_note(note) for note in snapshot["notes"] if not note["body"].strip()
            ],
            "compiled_on": timezone.localtime(pdf.requested_at).date(),
        }
    elif kind == "follow-up":
        source, snapshot = follow_up_report_source(pdf.fabrique)
        context = {
            "fabrique": snapshot["fabrique"] | {"end_date": _day(snapshot["fabrique"]["end_date"])},
            "follow_up": snapshot["follow_up"]
            | {
                "meeting_on": _day(snapshot["follow_up"]["meeting_on"]),
                "showcase_on": _day(snapshot["follow_up"]["showcase_on"]),
            },
            "territories": [
                territory | {"last_answer_on": _day(territory["last_answer_on"])}
                for territory in snapshot["territories"]
            ],
            "has_support": any(t["support"] for t in snapshot["territories"]),
            "compiled_on": timezone.localtime(pdf.requested_at).date(),
        }
    else:
        raise ValueError(f"Unknown PDF source {pdf.source_key}")
    if source.sha256 != pdf.source_sha256:
        raise SourceChanged
    return context


def _claim(pdf_id: int, *, retrying: bool, recovering: bool = False) -> GeneratedPdf | None:
    """Take the job if it is free: queued, failed and retried by Celery, or
    rendering by a worker that died. ``recovering``: the message came back
    from a worker lost mid-task (Celery's reject_on_worker_lost, the broker's
    redelivery), so a job left "rendering" whose lock nobody holds is that
    worker's and may be taken over at once."""
    locks = _uses_render_locks()
    if locks and not _render_lock_take(pdf_id, wait=RENDER_LOCK_WAIT if recovering else 0):
        return None  # a live worker is rendering it
    now = timezone.now()
    claimable = Q(state=GeneratedPdf.State.QUEUED) | Q(
        state=GeneratedPdf.State.RENDERING, started_at__lt=now - STALE_RENDERING_AFTER
    )
    if locks and recovering:
        claimable |= Q(state=GeneratedPdf.State.RENDERING)
    if retrying:
        # Celery's own retry of a job its previous attempt marked failed.
        claimable |= Q(state=GeneratedPdf.State.FAILED, attempts__lt=MAX_ATTEMPTS)
    claimed = (
        GeneratedPdf.objects.filter(claimable, pk=pdf_id)
        .exclude(state=GeneratedPdf.State.READY)
        .update(
            state=GeneratedPdf.State.RENDERING,
            attempts=F("attempts") + 1,
            started_at=now,
            finished_at=None,
            error="",
        )
    )
    if not claimed:
        if locks:
            _render_lock_release(pdf_id)
        return None
    return GeneratedPdf.objects.select_related(
        "fabrique",
        "transversal_note",
        "roadmap_version__roadmap__participation__territory",
        "roadmap_version__roadmap__participation__fabrique",
    ).get(pk=pdf_id)


def _fail(pdf: GeneratedPdf, message: str) -> None:
    failed = GeneratedPdf.objects.filter(pk=pdf.pk, state=GeneratedPdf.State.RENDERING).update(
        state=GeneratedPdf.State.FAILED, error=message, finished_at=timezone.now()
    )
    if not failed:
        return  # another worker took the job over and owns its file now
    name = pdf.file.field.generate_filename(pdf, "document.pdf")
    if pdf.file.storage.exists(name):
        pdf.file.storage.delete(name)


def pdf_render(
    *, pdf_id: int, retrying: bool = False, recovering: bool = False
) -> GeneratedPdf | None:
    """Render one job if it is free to claim; None when there was nothing to do
    (already rendered, or being rendered by another worker).

    Raises ``PdfRenderFailed`` after marking the job failed, so that the task
    is retried."""
    pdf = _claim(pdf_id, retrying=retrying, recovering=recovering)
    if pdf is None:
        return None
    try:
        return _claimed_render(pdf)
    finally:
        if _uses_render_locks():
            _render_lock_release(pdf.pk)


def _claimed_render(pdf: GeneratedPdf) -> GeneratedPdf:
    try:
        context = _context(pdf)
        rendered = render_pdf_pages(template=TEMPLATES[pdf.kind], context=context, title=pdf.title)
        storage = pdf.file.storage
        name = pdf.file.field.generate_filename(pdf, "document.pdf")
        if storage.exists(name):
            storage.delete(name)  # a previous attempt's file: this job's name is its own
        saved = storage.save(name, ContentFile(rendered.data))
        if saved != name:
            storage.delete(saved)
            raise RuntimeError(f"PDF stored under {saved} instead of {name}")
    except SourceChanged:
        _fail(pdf, _("Le contenu a changé depuis la demande : demandez un nouveau PDF."))
        return pdf
    except SoftTimeLimitExceeded as exc:
        logger.warning("PDF job %s timed out", pdf.pk)
        _fail(pdf, _("La production du PDF a pris trop de temps. Réessayez plus tard."))
        raise PdfRenderFailed(pdf.pk) from exc
    except Exception as exc:
        logger.exception("PDF job %s failed", pdf.pk)
        _fail(pdf, _("La production du PDF a échoué. Réessayez plus tard ou contactez l'ANCT."))
        raise PdfRenderFailed(pdf.pk) from exc
    GeneratedPdf.objects.filter(pk=pdf.pk, state=GeneratedPdf.State.RENDERING).update(
        state=GeneratedPdf.State.READY,
        file=name,
        size=len(rendered.data),
        sha256=hashlib.sha256(rendered.data).hexdigest(),
        page_count=rendered.page_count,
        finished_at=timezone.now(),
        error="",
    )
    pdf.refresh_from_db()
    return pdf


# --- Publishing ------------------------------------------------------------------------


def is_publishable(pdf: GeneratedPdf) -> bool:
    """Adopted roadmap versions, transversal notes and publications; never a draft."""
    return pdf.state == GeneratedPdf.State.READY and (
        pdf.roadmap_version_id is not None
        or pdf.kind in {GeneratedPdf.Kind.TRANSVERSAL_NOTE, GeneratedPdf.Kind.PUBLICATION}
    )


def pdf_publish(*, pdf: GeneratedPdf, by) -> GeneratedPdf:
    """Offered to everybody once the Fabrique is public (ANCT's decision)."""
    if not is_anct_staff(by):
        raise PermissionDenied
    if not is_publishable(pdf):
        raise ValidationError(
            _(
                "Seuls les PDF prêts des versions adoptées, des notes transversales "
                "et des publications peuvent être publiés."
            )
        )
    if pdf.published_at is None:
        pdf.published_at = timezone.now()
        pdf.save(update_fields=["published_at"])
    return pdf


def pdf_unpublish(*, pdf: GeneratedPdf, by) -> GeneratedPdf:
    if not is_anct_staff(by):
        raise PermissionDenied
    if pdf.published_at is not None:
        pdf.published_at = None
        pdf.save(update_fields=["published_at"])
    return pdf
