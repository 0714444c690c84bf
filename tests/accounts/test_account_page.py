"""Mon compte: profile, sign-in security and the user's current roles."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import demo_totp_ensure
from fabriques.models import TeamMember
from territories.models import ParticipationContact
from tests.factories import TeamMemberFactory, UserFactory

URL = reverse("accounts:account")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def test_anonymous_people_are_sent_to_the_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_elu_sees_the_territory_role_with_its_dates(client, world):
    ParticipationContact.objects.filter(user=world.elu_a).update(
        starts_on=date(2026, 3, 1), function="Maire"
    )
    client.force_login(world.elu_a)

    html = client.get(URL).text

    assert "Élu référent (Maire)" in html
    assert "Territoire A — Fabrique X : villes moyennes et transition" in html
    assert "1 mars 2026" in html
    assert "Territoire B" not in html


def test_a_role_that_ended_is_not_listed(client, world):
    yesterday = timezone.localdate() - timedelta(days=1)
    TeamMemberFactory(
        contract=world.fabrique_y.contract,
        user=world.elu_a,
        role=TeamMember.Role.ANALYST,
        starts_on=yesterday - timedelta(days=60),
        ends_on=yesterday,
    )
    client.force_login(world.elu_a)

    html = client.get(URL).text

    assert "Élu référent" in html
    assert "Chargé ou chargée d'études" not in html
    assert "Fabrique Y" not in html


@pytest.mark.parametrize(
    ("persona", "role", "scope"),
    [
        ("prestataire_x", "Chef ou cheffe de projet", "Fabrique X : villes moyennes"),
        ("copil_x", "Membre du COPIL", "Fabrique X : villes moyennes"),
        ("staff", "Équipe de l&#x27;ANCT", "Toutes les Fabriques"),
    ],
)
def test_each_kind_of_role_is_listed(client, world, persona, role, scope):
    user = getattr(world, persona)
    demo_totp_ensure(user=user, secret=SECRET)
    client.force_login(user)

    html = client.get(URL).text

    assert role in html
    assert scope in html


def test_a_person_without_role_is_told_so(client, db):
    client.force_login(UserFactory())

    assert "Aucun rôle n’est actif sur votre compte" in client.get(URL).text


def test_two_factor_state_and_links(client, world):
    client.force_login(world.elu_a)
    html = client.get(URL).text
    assert "Non activée" in html
    assert reverse("mfa_activate_totp") in html
    assert "Facultative" in html

    demo_totp_ensure(user=world.staff, secret=SECRET)
    client.force_login(world.staff)
    html = client.get(URL).text
    assert "Activée" in html
    assert "Obligatoire pour votre rôle" in html
    assert reverse("mfa_index") in html


def test_links_to_password_and_email_pages_and_a_logout_form(client, world):
    client.force_login(world.elu_a)

    html = client.get(URL).text

    assert reverse("account_change_password") in html
    assert reverse("account_email") in html
    assert f'<form method="post" action="{reverse("account_logout")}">' in html


def test_the_profile_is_updated_with_a_french_message(client, world):
    client.force_login(world.elu_a)

    response = client.post(
        URL, {"first_name": "Anne", "last_name": "Le Gall", "phone": "+33 6 12 34 56 78"}
    )

    assert response.status_code == 302
    assert response["Location"] == URL
    world.elu_a.refresh_from_db()
    assert (world.elu_a.first_name, world.elu_a.last_name, world.elu_a.phone) == (
        "Anne",
        "Le Gall",
        "+33 6 12 34 56 78",
    )
    assert "Vos informations ont été enregistrées." in client.get(URL).text


def test_errors_are_shown_in_french_and_keep_what_was_typed(client, world):
    before = (world.elu_a.first_name, world.elu_a.phone)
    client.force_login(world.elu_a)

    response = client.post(URL, {"first_name": "", "last_name": "Le Gall", "phone": "appelez-moi"})

    assert response.status_code == 200
    html = response.text
    assert "Ce champ est obligatoire." in html
    assert "Saisissez un numéro de téléphone" in html
    assert 'value="Le Gall"' in html
    assert 'value="appelez-moi"' in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in html
    world.elu_a.refresh_from_db()
    assert (world.elu_a.first_name, world.elu_a.phone) == before
