"""Handover: a référent's role passes to a successor in one step; the former
holder keeps their history but loses access from the handover day."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.invitations import invitation_create
from accounts.models import Invitation, User
from accounts.permissions import participations_visible_to
from territories.models import ParticipationContact
from tests.accounts.test_invitations import PASSWORD, token_of, with_totp

pytestmark = pytest.mark.django_db


def handover_url(participation, contact):
    return reverse("invitations:handover", args=[participation.pk, contact.pk])


@pytest.fixture
def contact_a(world):
    return world.elu_a.territory_roles.get()


@pytest.fixture
def on():
    return timezone.localdate() + timedelta(days=10)


def successor_data(on, email="nouvelle.maire@a.demo.invalid"):
    return {
        "successor_email": email,
        "first_name": "Claire",
        "last_name": "Nouvel",
        "on": on.isoformat(),
    }


def test_an_elu_hands_over_and_the_successor_takes_the_role(
    client, world, contact_a, on, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.elu_a)
    assert client.get(handover_url(world.participation_a, contact_a)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(handover_url(world.participation_a, contact_a), successor_data(on))

    assert response.status_code == 302
    contact_a.refresh_from_db()
    assert contact_a.ends_on == on - timedelta(days=1)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.kind, invitation.participation) == (
        "nouvelle.maire@a.demo.invalid",
        "elu",
        world.participation_a,
    )
    assert (invitation.function, invitation.starts_on, invitation.invited_by) == (
        "Maire",
        on,
        world.elu_a,
    )
    assert mailoutbox[0].to == ["nouvelle.maire@a.demo.invalid"]

    client.logout()
    token = token_of(mailoutbox[0])
    page = client.get(reverse("invitations:accept", args=[token]))
    assert 'value="Claire"' in page.content.decode()
    accepted = client.post(
        reverse("invitations:accept", args=[token]),
        {
            "first_name": "Claire",
            "last_name": "Nouvel",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert accepted.status_code == 302

    successor = User.objects.get(email="nouvelle.maire@a.demo.invalid")
    former = world.elu_a
    assert world.participation_a in participations_visible_to(successor, today=on)
    assert world.participation_a not in participations_visible_to(former, today=on)
    assert world.participation_a in participations_visible_to(former, today=on - timedelta(days=1))
    assert world.participation_a not in participations_visible_to(
        successor, today=on - timedelta(days=1)
    )
    history = ParticipationContact.objects.filter(
        participation=world.participation_a, role="elu"
    ).order_by("pk")
    assert [(c.user, c.starts_on, c.ends_on, c.function) for c in history] == [
        (former, None, on - timedelta(days=1), "Maire"),
        (successor, on, None, "Maire"),
    ]


def test_staff_hand_over_a_referent_role(client, world, on):
    with_totp(world.staff)
    client.force_login(world.staff)
    agent = world.referent_a.territory_roles.get()

    response = client.post(handover_url(world.participation_a, agent), successor_data(on))

    assert response.status_code == 302
    assert response.url == reverse("invitations:list")
    agent.refresh_from_db()
    assert agent.ends_on == on - timedelta(days=1)
    invitation = Invitation.objects.get()
    assert (invitation.kind, invitation.function) == ("agent", "Chargée de mission")


@pytest.mark.parametrize("persona", ["elu_b", "prestataire_x", "prestataire_y", "copil_x"])
def test_people_outside_the_participation_get_404(client, world, contact_a, on, persona):
    user = world.personas[persona]
    with_totp(world.prestataire_x, world.prestataire_y)
    client.force_login(user)
    url = handover_url(world.participation_a, contact_a)

    assert client.get(url).status_code == 404
    assert client.post(url, successor_data(on)).status_code == 404

    contact_a.refresh_from_db()
    assert contact_a.ends_on is None
    assert not Invitation.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client, world, contact_a):
    response = client.get(handover_url(world.participation_a, contact_a))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_contact_of_another_participation_is_404(client, world, on):
    contact_b = world.elu_b.territory_roles.get()
    client.force_login(world.elu_a)
    assert client.get(handover_url(world.participation_a, contact_b)).status_code == 404
    with_totp(world.staff)
    client.force_login(world.staff)
    assert (
        client.post(handover_url(world.participation_a, contact_b), successor_data(on)).status_code
        == 404
    )
    contact_b.refresh_from_db()
    assert contact_b.ends_on is None


def test_a_role_that_already_ended_cannot_be_handed_over(client, world, contact_a):
    contact_a.ends_on = timezone.localdate() - timedelta(days=1)
    contact_a.save(update_fields=["ends_on"])
    client.force_login(world.referent_a)
    assert client.get(handover_url(world.participation_a, contact_a)).status_code == 404


def test_the_handover_must_follow_the_start_of_the_role(client, world, contact_a):
    contact_a.starts_on = timezone.localdate()
    contact_a.save(update_fields=["starts_on"])
    client.force_login(world.referent_a)

    response = client.post(
        handover_url(world.participation_a, contact_a), successor_data(timezone.localdate())
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "La passation doit suivre le début du rôle actuel" in content
    assert 'aria-describedby="id_on-desc-error"' in content
    contact_a.refresh_from_db()
    assert contact_a.ends_on is None
    assert not Invitation.objects.exists()


def test_the_successor_must_be_someone_else(client, world, contact_a, on):
    client.force_login(world.elu_a)
    response = client.post(
        handover_url(world.participation_a, contact_a),
        successor_data(on, email=world.elu_a.email.upper()),
    )
    assert response.status_code == 200
    assert "doit être une autre personne" in response.content.decode()
    contact_a.refresh_from_db()
    assert contact_a.ends_on is None


def test_a_refused_invitation_leaves_the_role_untouched(client, world, contact_a, on):
    invitation_create(
        email="deja.invitee@a.demo.invalid",
        kind="elu",
        participation=world.participation_a,
        by=world.staff,
    )
    client.force_login(world.elu_a)

    response = client.post(
        handover_url(world.participation_a, contact_a),
        successor_data(on, email="deja.invitee@a.demo.invalid"),
    )

    assert response.status_code == 200
    assert "déjà en attente" in response.content.decode()
    contact_a.refresh_from_db()
    assert contact_a.ends_on is None
    assert Invitation.objects.count() == 1
