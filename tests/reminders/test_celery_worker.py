"""The beat-scheduled sweep run by a real Celery worker, in its own process,
through Redis: the worker plans the reminder, sends it and marks it sent in
the database this process reads. Needs CELERY_TEST_BROKER_URL and PostgreSQL
(see tests/test_celery_worker.py, whose worker fixture this reuses)."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from reminders.models import Reminder
from tests.factories import AttendanceFactory, SeminarFactory
from tests.test_celery_worker import BROKER_URL, worker  # noqa: F401 (the fixture)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not BROKER_URL, reason="CELERY_TEST_BROKER_URL is not set"),
]


def test_a_real_worker_runs_the_beat_scheduled_sweep(worker):  # noqa: F811
    process, log = worker
    starts_at = timezone.now() + timedelta(days=3)
    seminar = SeminarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=3))
    attendance = AttendanceFactory(seminar=seminar)

    # What beat sends every quarter of an hour.
    app.send_task(settings.CELERY_BEAT_SCHEDULE["send-reminders"]["task"])

    deadline = time.monotonic() + 60
    while not Reminder.objects.filter(state="sent").exists():
        if process.poll() is not None:
            pytest.fail(f"the worker stopped:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"nothing sent after 60 s:\n{log.read_text()[-4000:]}")
        time.sleep(0.25)

    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.recipient_id) == ("seminar_upcoming", attendance.user_id)
    # The worker's mailer is the console: the e-mail, its calendar file attached.
    assert f"seminaire-{seminar.pk}.ics" in log.read_text()
