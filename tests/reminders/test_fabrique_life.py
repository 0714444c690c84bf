"""With the clock frozen at each step of Fabrique X's life, the sweep sends
exactly the expected e-mails to exactly the expected people, once."""

from datetime import date

import pytest
from django.core import mail

from deliverables.models import Action, Roadmap
from reminders.models import Reminder
from reminders.services import reminders_sweep
from tests.factories import ActionFactory, RoadmapFactory

from .conftest import at, sent

pytestmark = pytest.mark.django_db

ELU, REFERENT = "elu@a.demo.invalid", "referent@a.demo.invalid"
PRESTATAIRE, STAFF = "consultant@x.demo.invalid", "staff@anct.demo.invalid"
FABRIQUE = "Fabrique X : villes moyennes et transition"
SEMINAR = "Séminaire local 1 — Territoire A"


def sweep_at(clock, moment):
    """Sweep at ``moment``, then again: the second sweep sends nothing more."""
    mail.outbox.clear()
    clock(moment)
    reminders_sweep()
    first = sent()
    reminders_sweep()
    assert sent() == first, "a second sweep sent again"
    return first


def held(seminar):
    seminar.status = "tenu"
    seminar.save(update_fields=["status"])


def adopt_roadmap_of_a(world):
    roadmap = RoadmapFactory(
        participation=world.participation_a,
        status=Roadmap.Status.ADOPTED,
        adopted_on=date(2027, 2, 10),
    )
    ActionFactory(roadmap=roadmap, title="Tiers-lieu", status=Action.Status.DONE)
    ActionFactory(
        roadmap=roadmap,
        title="Plan vélo",
        status=Action.Status.IN_PROGRESS,
        needs_engineering_support=True,
    )
    ActionFactory(roadmap=roadmap, title="Maison de santé", status=Action.Status.PLANNED)
    return roadmap


def test_a_fabrique_life_sends_each_reminder_to_its_people_once(life, clock):
    world = life

    # --- The seminar: seven days before, its invitees with the event attached.
    assert sweep_at(clock, at(2026, 5, 12)) == []
    assert sweep_at(clock, at(2026, 5, 13)) == [
        (f"Dans sept jours : {SEMINAR}, le 20 mai 2026", (ELU,), ()),
        (f"Dans sept jours : {SEMINAR}, le 20 mai 2026", (REFERENT,), ()),
    ]
    message = next(m for m in mail.outbox if m.to == [ELU])
    ((filename, ics, mimetype),) = message.attachments
    assert filename == f"seminaire-{world.seminar_a.pk}.ics" and mimetype == "text/calendar"
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics and "DTSTART;TZID=Europe/Paris:20260520T100000" in ics
    assert "Mairie de Territoire A" in message.body
    assert f"http://127.0.0.1:8000/territoire/{world.participation_a.pk}/" in message.body
    html = message.alternatives[0].content
    assert f'href="http://127.0.0.1:8000/territoire/{world.participation_a.pk}/"' in html

    # --- The note: three days before it is due, then the day after (ANCT in copy).
    clock(at(2026, 5, 21))
    held(world.seminar_a)
    assert sweep_at(clock, at(2026, 5, 31)) == []
    assert sweep_at(clock, at(2026, 6, 1)) == [
        (f"Note attendue le 4 juin 2026 : {SEMINAR}", (PRESTATAIRE,), ()),
    ]
    assert "dans trois jours" in mail.outbox[0].body
    assert sweep_at(clock, at(2026, 6, 4)) == []
    assert sweep_at(clock, at(2026, 6, 5)) == [
        (f"Note en retard : {SEMINAR}", (PRESTATAIRE,), (STAFF,)),
    ]
    assert f"/seminaires/{world.seminar_a.pk}/" in mail.outbox[0].body

    # --- One month before the end: the roadmap is not adopted.
    assert sweep_at(clock, at(2027, 1, 27)) == []
    subject = "Feuille de route de Territoire A à adopter avant le 28 février 2027"
    assert sweep_at(clock, at(2027, 1, 28)) == [
        (subject, (PRESTATAIRE,), ()),
        (subject, (ELU,), ()),
        (subject, (REFERENT,), ()),
    ]

    clock(at(2027, 2, 10))
    adopt_roadmap_of_a(world)

    # --- End + 4 months: ANCT sets the follow-up meeting and showcase dates.
    assert sweep_at(clock, at(2027, 6, 27)) == []
    assert sweep_at(clock, at(2027, 6, 28)) == [
        (
            f"Suivi à six mois de « {FABRIQUE} » : fixez la réunion et l'événement",
            (STAFF,),
            (),
        ),
    ]

    # --- End + 5 months: the territory's référents update their actions.
    assert sweep_at(clock, at(2027, 7, 28)) == [
        ("Suivi à six mois : où en sont les actions de Territoire A ?", (ELU,), ()),
        ("Suivi à six mois : où en sont les actions de Territoire A ?", (REFERENT,), ()),
    ]
    body = mail.outbox[0].body
    assert "Tiers-lieu — Réalisée" in body and "Maison de santé — Prévue" in body
    # The link opens the one-click form of the action statuses.
    assert f"http://127.0.0.1:8000/suivi/{world.participation_a.pk}/actions/" in body

    # --- End + 6 months: ANCT's summary; territory A has not answered.
    assert sweep_at(clock, at(2027, 8, 28)) == [
        (f"Synthèse du suivi à six mois : {FABRIQUE}", (STAFF,), ()),
    ]
    body = mail.outbox[0].body
    assert "Territoire A : 1 réalisée(s), 1 en cours, 1 pas commencée(s), 0 autre(s)" in body
    assert "N'ont pas encore répondu : Territoire A." in body
    assert "- Plan vélo" in body  # needs ANCT's engineering support

    # --- End + 6 months + 14 days: one more reminder, ANCT in copy.
    assert sweep_at(clock, at(2027, 9, 10)) == []
    assert sweep_at(clock, at(2027, 9, 11)) == [
        ("Relance : mettez à jour les actions de Territoire A", (ELU,), (STAFF,)),
        ("Relance : mettez à jour les actions de Territoire A", (REFERENT,), (STAFF,)),
    ]

    # Nothing more, ever; every row of the ledger was sent.
    assert sweep_at(clock, at(2027, 12, 1)) == []
    assert set(Reminder.objects.values_list("state", flat=True)) == {"sent"}
    assert Reminder.objects.count() == 2 + 1 + 1 + 3 + 1 + 2 + 1 + 2


def test_a_territory_that_answered_gets_no_late_reminder(life, clock):
    world = life
    clock(at(2027, 2, 10))
    roadmap = adopt_roadmap_of_a(world)
    sweep_at(clock, at(2027, 7, 28))

    # A référent marks an action done a few days later (the edit touches the roadmap).
    clock(at(2027, 8, 2, 15))
    action = roadmap.actions.get(title="Maison de santé")
    from deliverables.services.roadmaps import roadmap_action_update

    roadmap_action_update(action=action, changes={"status": Action.Status.DONE}, by=world.elu_a)

    assert sweep_at(clock, at(2027, 8, 28)) == [
        (f"Synthèse du suivi à six mois : {FABRIQUE}", (STAFF,), ()),
    ]
    assert "Tous les territoires ont répondu." in mail.outbox[0].body
    assert "2 réalisée(s)" in mail.outbox[0].body
    assert sweep_at(clock, at(2027, 9, 11)) == []


def test_follow_up_dates_already_set_are_not_asked_for(life, clock):
    from tests.factories import FollowUpFactory

    FollowUpFactory(
        fabrique=life.fabrique_x, meeting_on=date(2027, 8, 20), showcase_on=date(2027, 9, 15)
    )
    assert sweep_at(clock, at(2027, 6, 28)) == []


def test_a_reminder_missed_for_a_few_days_is_caught_up_but_not_an_old_one(life, clock):
    # No sweep ran from the 13th to the 20th (an outage): sent late, once.
    assert len(sweep_at(clock, at(2026, 5, 19, 9))) == 2
    # The note was due long ago: more than thirty days late, nobody is reminded.
    clock(at(2026, 5, 21))
    held(life.seminar_a)
    assert sweep_at(clock, at(2026, 8, 1)) == []
