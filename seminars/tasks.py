"""Celery tasks of the seminars app."""

from celery import shared_task

from .quarantine import quarantine_rescan


@shared_task(acks_late=True)
def scan_quarantine_task() -> dict:
    """Rescan the uploads waiting in quarantine (``CELERY_BEAT_SCHEDULE``).
    Files the daemon still cannot scan stay pending for the next run, so a
    failed run is retried by the next tick; running twice at once is safe
    (see seminars.quarantine)."""
    report = quarantine_rescan()
    return {
        "clean": report.clean,
        "infected": report.infected,
        "pending": report.pending,
        "missing": report.missing,
    }
