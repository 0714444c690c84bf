"""Sessions end when they should: a deactivated account, ANCT staff left idle,
the other sessions of someone who changed their password."""

import time

import pytest
from django.test import Client
from django.urls import reverse

from accounts.middleware import StaffIdleTimeoutMiddleware
from tests.accounts.test_login import PASSWORD, verified

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def page_of_a(world):
    return reverse("territories:participation", args=[world.participation_a.pk])


def idle_for(client, minutes):
    session = client.session
    session[StaffIdleTimeoutMiddleware.SESSION_KEY] = int(time.time()) - minutes * 60
    session.save()


def test_a_deactivated_account_loses_its_open_session(client, world):
    client.force_login(world.elu_a)
    assert client.get(page_of_a(world)).status_code == 200
    world.elu_a.is_active = False
    world.elu_a.save(update_fields=["is_active"])
    response = client.get(page_of_a(world))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_staff_are_logged_out_after_30_idle_minutes(client, world, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    client.force_login(world.staff)
    assert client.get(reverse("fabriques:dashboard")).status_code == 200
    idle_for(client, 29)
    assert client.get(reverse("fabriques:dashboard")).status_code == 200
    idle_for(client, 31)
    response = client.get(reverse("fabriques:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    # Logged out for good, with a message saying why on the login page.
    page = client.get(response["Location"]).content.decode()
    assert "période d&#x27;inactivité" in page
    assert "_auth_user_id" not in client.session


def test_other_people_keep_their_session_however_long_they_pause(client, world, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    client.force_login(world.elu_a)
    idle_for(client, 120)
    assert client.get(page_of_a(world)).status_code == 200


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(world):
    verified(world.elu_a)
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        browser.force_login(world.elu_a)
    response = here.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "Un-nouveau-mot-2-passe",
            "password2": "Un-nouveau-mot-2-passe",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert here.get(page_of_a(world)).status_code == 200
    response = elsewhere.get(page_of_a(world))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
