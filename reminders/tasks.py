"""The beat-scheduled sweep (``CELERY_BEAT_SCHEDULE`` in the settings)."""

from celery import shared_task

from .services import reminders_sweep


@shared_task(acks_late=True)
def send_reminders_task() -> dict:
    """Plan and send what is due. Safe to run twice at once or after a killed
    worker: see ``reminders.services`` for why each e-mail goes once."""
    report = reminders_sweep()
    return {
        "planned": report.planned,
        "sent": report.sent,
        "retrying": report.retrying,
        "failed": report.failed,
        "obsolete": report.obsolete,
    }
