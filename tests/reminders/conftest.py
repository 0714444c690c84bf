"""A Fabrique's life for the reminders: the `world` of tests/conftest.py with
territory A's seminar dated and its invitees, and Fabrique Y moved years away
so that only Fabrique X has reminders falling due.

Fabrique X runs from 1 March 2026 to 28 February 2027. Its dates:

- local seminar 1 of territory A: 20 May 2026, 10:00-17:00 (note due on
  4 June 2026, fifteen days after);
- roadmaps to adopt: 28 January 2027 (end - 1 month);
- six-month follow-up: 28 June 2027 (end + 4 months, dates), 28 July
  (end + 5 months, actions), 28 August (end + 6 months, summary), 11 September
  2027 (end + 6 months + 14 days, late territories).
"""

from datetime import date, datetime
from smtplib import SMTPServerDisconnected
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from fabriques.models import Fabrique
from tests.factories import AttendanceFactory

PARIS = ZoneInfo("Europe/Paris")
PREFIX = "[Fabriques Prospectives] "


def at(year, month, day, hour=8, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed: lea@exemple.invalid")


REFUSING = {"default": {"BACKEND": "tests.reminders.conftest.RefusingBackend"}}
WORKING = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def sent(outbox=None) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(subject without the prefix, to, cc) of each e-mail, sorted."""
    messages = mail.outbox if outbox is None else outbox
    return sorted(
        (message.subject.removeprefix(PREFIX), tuple(message.to), tuple(message.cc))
        for message in messages
    )


@pytest.fixture
def life(world):
    Fabrique.objects.filter(pk=world.fabrique_y.pk).update(
        start_date=date(2030, 3, 1),
        end_date=date(2031, 2, 28),
        follow_up_due_date=date(2031, 8, 28),
        edition=2030,
    )
    seminar = world.seminar_a
    seminar.starts_at = at(2026, 5, 20, 10)
    seminar.ends_at = at(2026, 5, 20, 17)
    seminar.place = "Mairie de Territoire A"
    seminar.status = "programme"
    seminar.save()
    AttendanceFactory(seminar=seminar, user=world.elu_a)
    AttendanceFactory(seminar=seminar, user=world.referent_a)
    # Working-group members are invited too, but have no account to e-mail.
    AttendanceFactory(seminar=seminar, user=None, working_group_member=world.members_a[0])
    return world


@pytest.fixture
def clock(time_machine):
    """Set the frozen clock: ``clock(at(2026, 5, 13))``."""

    def move_to(moment):
        time_machine.move_to(moment, tick=False)

    return move_to
