"""Each person downloads what the portal holds on them, and nobody else's."""

import json

import pytest
from django.urls import reverse

from tests.factories import NoteVersionFactory

pytestmark = pytest.mark.django_db


def my_data(client, user):
    client.force_login(user)
    response = client.get(reverse("accounts:my_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return json.loads(response.content)


def test_the_download_holds_the_account_and_every_row_pointing_to_the_person(client, world):
    data = my_data(client, world.elu_a)
    assert data["compte"]["email"] == world.elu_a.email
    contacts = data["territories.ParticipationContact"]
    assert [row["participation_id"] for row in contacts] == [world.participation_a.pk]
    # Each kind of data says why it is kept and for how long.
    assert data["finalites"]["accounts.User.email"]["retention"]


def test_it_holds_nothing_of_other_people_nor_any_secret(client, world):
    NoteVersionFactory(seminar=world.seminar_a, uploaded_by=world.prestataire_x)
    text = json.dumps(my_data(client, world.elu_a))
    assert world.elu_b.email not in text and world.prestataire_x.email not in text
    assert not [m.email for m in world.members_a if m.email and m.email in text]
    assert "password" not in text and "sha256" not in text


def test_a_prestataire_finds_the_notes_they_uploaded(client, world):
    note = NoteVersionFactory(seminar=world.seminar_a, uploaded_by=world.prestataire_x)
    data = my_data(client, world.prestataire_x)
    assert [row["id"] for row in data["seminars.NoteVersion"]] == [note.pk]
