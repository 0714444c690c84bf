"""Celery beat runs the same sweep as the command, every quarter of an hour
in Paris time."""

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from config.celery import app
from reminders.tasks import send_reminders_task

from .conftest import at

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_sweep_every_quarter_of_an_hour_in_paris_time():
    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == "reminders.tasks.send_reminders_task"
    assert entry["schedule"] == crontab(minute="*/15")
    assert app.conf.timezone == "Europe/Paris"
    assert "reminders.tasks.send_reminders_task" in app.tasks


def test_the_task_sweeps(life, clock):
    clock(at(2026, 5, 13))
    result = send_reminders_task.delay().get()
    assert result == {"planned": 2, "sent": 2, "retrying": 0, "failed": 0, "obsolete": 0}
    assert len(mail.outbox) == 2
    assert send_reminders_task.delay().get()["sent"] == 0
