"""The sweep: moved dates make old reminders obsolete, a failing mail server
leaves them retryable, digests group a person's reminders, and a sweep with
nothing due costs a few queries whatever the number of Fabriques."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fabriques.models import Fabrique
from reminders.models import Reminder, ReminderPreference
from reminders.services import (
    MAX_ATTEMPTS,
    failed_reminders,
    reminder_claim_and_send,
    reminders_retry,
    reminders_sweep,
)
from seminars.services import seminar_schedule
from tests.factories import FabriqueFactory, ParticipationFactory, SeminarFactory

from .conftest import REFUSING, WORKING, at, sent

pytestmark = pytest.mark.django_db

ELU, REFERENT = "elu@a.demo.invalid", "referent@a.demo.invalid"
SEMINAR = "Séminaire local 1 — Territoire A"


def move(seminar, *, to):
    return seminar_schedule(
        seminar=seminar,
        starts_at=to,
        ends_at=to + timedelta(hours=7),
        place=seminar.place,
        format=seminar.format,
        meeting_url="",
        agenda="",
    )


def test_a_moved_seminar_is_reminded_for_its_new_date_only(life, clock, settings):
    # The reminder for 20 May falls due, but the mail server is down.
    settings.MAILERS = REFUSING
    clock(at(2026, 5, 13))
    reminders_sweep()
    old = list(Reminder.objects.filter(kind="seminar_upcoming"))
    assert [r.state for r in old] == ["pending", "pending"]

    # The seminar moves to 10 June before the server comes back.
    move(life.seminar_a, to=at(2026, 6, 10, 10))
    settings.MAILERS = WORKING
    clock(at(2026, 5, 13, 9))
    reminders_sweep()

    assert sent() == [
        (f"Nouvelle date : {SEMINAR}, le 10 juin 2026", (ELU,), ()),
        (f"Nouvelle date : {SEMINAR}, le 10 juin 2026", (REFERENT,), ()),
    ]
    ((_name, ics, _type),) = mail.outbox[0].attachments
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "SEQUENCE:1" in ics and "20260610T100000" in ics
    assert {r.state for r in Reminder.objects.filter(pk__in=[r.pk for r in old])} == {"obsolete"}

    # Seven days before the new date: the reminder, once, for that date.
    mail.outbox.clear()
    clock(at(2026, 6, 2))
    reminders_sweep()
    assert sent() == []
    clock(at(2026, 6, 3))
    reminders_sweep()
    reminders_sweep()
    assert sent() == [
        (f"Dans sept jours : {SEMINAR}, le 10 juin 2026", (ELU,), ()),
        (f"Dans sept jours : {SEMINAR}, le 10 juin 2026", (REFERENT,), ()),
    ]
    # Told once of the move, whatever the number of sweeps.
    assert Reminder.objects.filter(kind="seminar_moved", state="sent").count() == 2


def test_moved_within_the_last_week_the_move_e_mail_is_the_reminder(life, clock):
    clock(at(2026, 5, 1))
    move(life.seminar_a, to=at(2026, 5, 5, 10))
    reminders_sweep()
    assert [subject for subject, _to, _cc in sent()] == [
        f"Nouvelle date : {SEMINAR}, le 5 mai 2026"
    ] * 2
    mail.outbox.clear()
    clock(at(2026, 5, 2))
    reminders_sweep()
    assert sent() == []


def test_a_cancelled_seminar_is_not_reminded(life, clock, settings):
    settings.MAILERS = REFUSING
    clock(at(2026, 5, 13))
    reminders_sweep()
    life.seminar_a.status = "annule"
    life.seminar_a.save(update_fields=["status"])
    settings.MAILERS = WORKING
    clock(at(2026, 5, 14))
    report = reminders_sweep()
    assert sent() == [] and report.obsolete == 2


def test_a_failing_mail_server_leaves_the_reminder_retryable(life, clock, settings):
    settings.MAILERS = REFUSING
    clock(at(2026, 5, 13))
    report = reminders_sweep()

    assert (report.sent, report.retrying) == (0, 2)
    rows = list(Reminder.objects.order_by("pk"))
    assert [(r.state, r.attempts, r.sent_at) for r in rows] == [("pending", 1, None)] * 2
    assert rows[0].last_error == "SMTPServerDisconnected"  # no address kept
    assert rows[0].next_attempt_at == at(2026, 5, 13, 8, 10)

    # Not before its next attempt.
    clock(at(2026, 5, 13, 8, 5))
    reminders_sweep()
    assert Reminder.objects.filter(attempts=1).count() == 2

    settings.MAILERS = WORKING
    clock(at(2026, 5, 13, 8, 15))
    report = reminders_sweep()
    assert report.sent == 2
    assert len(mail.outbox) == 2
    assert [(r.state, r.attempts) for r in Reminder.objects.order_by("pk")] == [("sent", 2)] * 2


def test_after_the_last_attempt_the_reminder_is_failed_and_can_be_sent_again(life, clock, settings):
    settings.MAILERS = REFUSING
    moment = at(2026, 5, 13)
    for _attempt in range(MAX_ATTEMPTS):
        clock(moment)
        reminders_sweep()
        moment += timedelta(hours=6)
    assert set(Reminder.objects.values_list("state", "attempts")) == {("failed", MAX_ATTEMPTS)}
    assert sorted(r.recipient.email for r in failed_reminders()) == [ELU, REFERENT]

    settings.MAILERS = WORKING
    clock(moment)
    assert reminders_sweep().sent == 0  # failed rows are left alone...
    assert reminders_retry(reminders=Reminder.objects.all()) == 2
    assert reminders_sweep().sent == 2  # ...until staff send them again
    assert failed_reminders() == []


def test_claim_and_send_handles_one_reminder_and_says_whether_there_was_one(life, clock):
    clock(at(2026, 5, 13))
    from reminders.planning import reminders_plan

    reminders_plan(today=date(2026, 5, 13))
    now = at(2026, 5, 13)
    assert reminder_claim_and_send(now=now) is True
    assert len(mail.outbox) == 1
    assert reminder_claim_and_send(now=now) is True
    assert reminder_claim_and_send(now=now) is False
    assert len(mail.outbox) == 2


def test_a_changed_end_date_makes_pending_follow_up_reminders_obsolete(life, clock, settings):
    settings.MAILERS = REFUSING
    clock(at(2027, 6, 28))
    reminders_sweep()
    assert Reminder.objects.get(kind="followup_dates").state == "pending"

    Fabrique.objects.filter(pk=life.fabrique_x.pk).update(
        end_date=date(2027, 3, 31), follow_up_due_date=date(2027, 9, 30)
    )
    settings.MAILERS = WORKING
    clock(at(2027, 6, 29))
    reminders_sweep()
    assert sent() == []
    assert Reminder.objects.get(kind="followup_dates").state == "obsolete"

    clock(at(2027, 7, 31))
    reminders_sweep()
    assert len(sent()) == 1
    assert Reminder.objects.get(kind="followup_dates", state="sent").due_on == date(2027, 7, 31)


def test_digest_people_get_one_e_mail_a_day_but_the_follow_up_as_it_comes(life, clock):
    ReminderPreference.objects.create(user=life.elu_a, frequency="daily")
    # Before 7:00 (Paris), the élu's seminar reminder waits; the référent's goes.
    clock(at(2026, 5, 13, 1))
    reminders_sweep()
    assert [to for _s, to, _cc in sent()] == [(REFERENT,)]

    clock(at(2026, 5, 13, 7, 15))
    reminders_sweep()
    reminders_sweep()
    digest = [m for m in mail.outbox if m.to == [ELU]]
    assert [m.subject for m in digest] == ["[Fabriques Prospectives] Votre rappel du jour"]
    assert f"Dans sept jours : {SEMINAR}, le 20 mai 2026" in digest[0].body
    assert [name for name, _c, _t in digest[0].attachments] == [
        f"seminaire-{life.seminar_a.pk}.ics"
    ]
    assert ReminderPreference.objects.get(user=life.elu_a).last_digest_on == date(2026, 5, 13)

    # The six-month follow-up is never held back for the digest.
    from .test_fabrique_life import adopt_roadmap_of_a

    clock(at(2027, 2, 10))
    adopt_roadmap_of_a(life)
    mail.outbox.clear()
    clock(at(2027, 7, 28, 1))
    reminders_sweep()
    actions = "Suivi à six mois : où en sont les actions de Territoire A ?"
    assert sorted(to for subject, to, _cc in sent() if subject == actions) == [(ELU,), (REFERENT,)]


def test_a_sweep_with_nothing_due_runs_a_few_queries_whatever_the_fabriques(clock):
    clock(at(2027, 5, 2))

    def queries():
        reminders_sweep()  # plans what is due; the next sweep has nothing to do
        with CaptureQueriesContext(connection) as context:
            reminders_sweep()
        return len(context)

    def grow(n):
        for _ in range(n):
            participation = ParticipationFactory(fabrique=FabriqueFactory())
            SeminarFactory(participation=participation)

    grow(2)
    few = queries()
    grow(20)
    assert queries() == few
    # Fabriques in a reminder window, seminars likewise, pending rows.
    assert few == 3
