"""Scheduling a seminar: who may, what the service refuses (in French), and the
iCal sequence that grows when a fixed date moves."""

import re
from datetime import datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from seminars.models import Seminar
from seminars.services import seminar_schedule

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def schedule_url(seminar):
    return reverse("seminars:schedule", args=[seminar.pk])


FORM = {
    "day": "2026-05-12",
    "start_time": "09:30",
    "end_time": "17:00",
    "format": Seminar.Format.IN_PERSON,
    "place": "Hôtel de ville, salle du conseil",
    "meeting_url": "",
    "agenda": "9 h 30 : accueil\n10 h : atelier prospectif",
}


def arguments(**overrides):
    return {
        "starts_at": datetime(2026, 5, 12, 9, 30, tzinfo=PARIS),
        "ends_at": datetime(2026, 5, 12, 17, tzinfo=PARIS),
        "place": "Mairie",
        "format": Seminar.Format.IN_PERSON,
        "meeting_url": "",
        "agenda": "",
    } | overrides


def test_who_may_schedule_a_seminar(client, world):
    seen = {}
    for name, user in world.personas.items():
        client.logout()
        if user:
            client.force_login(user)
        seen[name] = client.get(schedule_url(world.seminar_a)).status_code
    assert seen == {
        "anonymous": 302,
        "elu_a": 404,
        "referent_a": 404,
        "elu_b": 404,
        "prestataire_x": 200,
        "prestataire_y": 404,
        "copil_x": 404,
        "staff": 200,
    }


def test_another_fabriques_prestataire_cannot_post_either(client, world):
    client.force_login(world.prestataire_y)
    assert client.post(schedule_url(world.seminar_a), FORM).status_code == 404
    world.seminar_a.refresh_from_db()
    assert world.seminar_a.starts_at is None


def test_the_prestataire_schedules_a_seminar(client, world):
    client.force_login(world.prestataire_x)
    response = client.post(schedule_url(world.seminar_a), FORM)
    assert response.status_code == 302
    assert response.url == reverse("fabriques:prestataire_fabrique", args=[world.fabrique_x.pk])
    seminar = Seminar.objects.get(pk=world.seminar_a.pk)
    assert seminar.status == Seminar.Status.SCHEDULED
    assert seminar.starts_at == datetime(2026, 5, 12, 9, 30, tzinfo=PARIS)
    assert seminar.ends_at == datetime(2026, 5, 12, 17, tzinfo=PARIS)
    assert seminar.place == "Hôtel de ville, salle du conseil"
    assert seminar.agenda.startswith("9 h 30 : accueil")
    assert seminar.sequence == 0


def test_the_form_shows_the_current_date_to_move_it(client, world):
    seminar_schedule(seminar=world.seminar_a, **arguments())
    client.force_login(world.prestataire_x)
    html = client.get(schedule_url(world.seminar_a)).content.decode()
    assert 'value="2026-05-12"' in html
    assert 'value="09:30"' in html
    assert 'value="Mairie"' in html


def test_a_date_outside_the_fabriques_year_is_refused_in_french(client, world):
    client.force_login(world.prestataire_x)
    response = client.post(schedule_url(world.seminar_a), FORM | {"day": "2027-03-15"})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert (
        "La date doit tomber pendant l'année de la Fabrique, du 01/03/2026 au 28/02/2027." in html
    )
    assert 'value="2027-03-15"' in html
    assert 'value="Hôtel de ville, salle du conseil"' in html
    world.seminar_a.refresh_from_db()
    assert world.seminar_a.starts_at is None


def test_a_remote_seminar_needs_its_link(client, world):
    client.force_login(world.prestataire_x)
    response = client.post(schedule_url(world.seminar_a), FORM | {"format": Seminar.Format.REMOTE})
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "Indiquez le lien de la réunion" in html
    assert re.search(r'<input[^>]*value="distanciel"[^>]*checked', html)
    response = client.post(
        schedule_url(world.seminar_a),
        FORM | {"format": Seminar.Format.HYBRID, "meeting_url": "https://visio.example.fr/abc"},
    )
    assert response.status_code == 302
    world.seminar_a.refresh_from_db()
    assert world.seminar_a.meeting_url == "https://visio.example.fr/abc"


def test_the_end_must_follow_the_start(client, world):
    client.force_login(world.prestataire_x)
    response = client.post(schedule_url(world.seminar_a), FORM | {"end_time": "08:00"})
    assert "L'heure de fin doit suivre l'heure de début." in unescape(response.content.decode())


def test_unparsable_input_is_refused_in_french(client, world):
    client.force_login(world.prestataire_x)
    response = client.post(schedule_url(world.seminar_a), FORM | {"day": "12 mai", "format": ""})
    html = unescape(response.content.decode())
    assert "Saisissez une date valide." in html
    assert "Ce champ est obligatoire." in html
    assert 'value="12 mai"' in html


def test_moving_a_fixed_date_increments_the_sequence(world):
    seminar = seminar_schedule(seminar=world.seminar_a, **arguments())
    assert seminar.sequence == 0
    seminar = seminar_schedule(seminar=seminar, **arguments(place="Médiathèque"))
    assert seminar.sequence == 0
    seminar = seminar_schedule(
        seminar=seminar,
        **arguments(
            starts_at=datetime(2026, 5, 13, 9, 30, tzinfo=PARIS),
            ends_at=datetime(2026, 5, 13, 17, tzinfo=PARIS),
        ),
    )
    assert seminar.sequence == 1
    seminar = seminar_schedule(
        seminar=seminar,
        **arguments(
            starts_at=datetime(2026, 5, 13, 10, tzinfo=PARIS),
            ends_at=datetime(2026, 5, 13, 17, tzinfo=PARIS),
        ),
    )
    assert Seminar.objects.get(pk=seminar.pk).sequence == 2


def test_moving_through_the_form_increments_the_sequence(client, world):
    client.force_login(world.prestataire_x)
    client.post(schedule_url(world.seminar_a), FORM)
    client.post(schedule_url(world.seminar_a), FORM | {"day": "2026-06-02"})
    world.seminar_a.refresh_from_db()
    assert world.seminar_a.sequence == 1


@pytest.mark.parametrize("status", [Seminar.Status.HELD, Seminar.Status.CANCELLED])
def test_a_held_or_cancelled_seminar_cannot_be_rescheduled(world, status):
    world.seminar_a.status = status
    world.seminar_a.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="ne peut plus être reprogrammé"):
        seminar_schedule(seminar=world.seminar_a, **arguments())


def test_a_held_seminar_form_explains_the_refusal(client, world):
    world.seminar_a.status = Seminar.Status.HELD
    world.seminar_a.save(update_fields=["status"])
    client.force_login(world.prestataire_x)
    response = client.post(schedule_url(world.seminar_a), FORM)
    assert response.status_code == 200
    assert "Ce séminaire est tenu : il ne peut plus être reprogrammé." in unescape(
        response.content.decode()
    )


def test_an_in_person_seminar_keeps_no_stale_link(world):
    seminar_schedule(
        seminar=world.seminar_a,
        **arguments(format=Seminar.Format.REMOTE, meeting_url="https://visio.example.fr/x"),
    )
    seminar = seminar_schedule(seminar=world.seminar_a, **arguments())
    assert seminar.meeting_url == ""


def test_staff_schedule_an_intersite_seminar(client, world):
    client.force_login(world.staff)
    response = client.post(schedule_url(world.intersite_x), FORM | {"day": "2026-06-20"})
    assert response.status_code == 302
    world.intersite_x.refresh_from_db()
    assert world.intersite_x.status == Seminar.Status.SCHEDULED
