"""Two sweeps at the same time (two beat ticks, a worker and the command)
send each e-mail once: PostgreSQL's row locks, skipped by the other sweep."""

import threading
import time

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections

from reminders.models import Reminder
from reminders.services import reminders_sweep
from tests.factories import AttendanceFactory

from .conftest import at

# Evaluated at setup, before the database is touched: on SQLite the test is
# skipped without flushing anything.
pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"
)

INVITEES = 30


class SlowBackend(EmailBackend):
    """A mail server that takes its time, so the two sweeps overlap."""

    def send_messages(self, messages):
        time.sleep(0.02)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_send_each_e_mail_once(life, clock, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.reminders.test_concurrency.SlowBackend"}}
    for _ in range(INVITEES):
        AttendanceFactory(seminar=life.seminar_a)
    clock(at(2026, 5, 13))
    start = threading.Barrier(2)
    reports, errors = [], []

    def sweep():
        try:
            start.wait()
            reports.append(reminders_sweep())
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == INVITEES + 2
    assert len(set(recipients)) == len(recipients), "an e-mail went twice"
    assert sum(report.sent for report in reports) == INVITEES + 2
    assert all(report.sent for report in reports), "one sweep did everything: no overlap"
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert connection.vendor == "postgresql"
