"""The security log records logins, failures, second-factor changes, refusals
and downloads with the user's id and the UTC time, and no personal data."""

import logging
import re

import pytest
from django.urls import reverse

from tests.accounts.test_login import PASSWORD, log_in, totp_now, verified
from tests.conftest import TEST_TOTP_SECRET
from tests.factories import NoteVersionFactory

pytestmark = pytest.mark.django_db

UTC_TIME = re.compile(r"time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 ")


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="portal.security")

    def lines():
        return [r.getMessage() for r in caplog.records if r.name == "portal.security"]

    return lines


def assert_no_personal_data(lines, *people):
    for line in lines:
        assert UTC_TIME.match(line), line
        assert "@" not in line, line
        for person in people:
            assert person.last_name not in line and person.first_name not in line, line


def test_a_login_and_a_logout_are_logged_with_the_user_id(client, world, security_log):
    verified(world.elu_a)
    log_in(client, world.elu_a.email)
    client.post(reverse("account_logout"))
    events = security_log()
    assert any(f"event=login user={world.elu_a.pk}" in line for line in events)
    assert any(f"event=logout user={world.elu_a.pk}" in line for line in events)
    assert_no_personal_data(events, world.elu_a)


def test_a_failed_login_is_logged_without_the_address_tried(client, world, security_log):
    verified(world.elu_a)
    log_in(client, world.elu_a.email, password="pas-le-bon")
    events = security_log()
    assert any("event=login_failed user=None" in line for line in events)
    assert_no_personal_data(events, world.elu_a)
    assert "pas-le-bon" not in " ".join(events)


def test_a_wrong_second_factor_code_is_logged(client, world, security_log):
    verified(world.staff)
    log_in(client, world.staff.email)
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert any(
        f"event=second_factor_failed user={world.staff.pk}" in line for line in security_log()
    )
    client.post(reverse("mfa_authenticate"), {"code": totp_now(TEST_TOTP_SECRET)})
    assert any(f"event=login user={world.staff.pk}" in line for line in security_log())


def test_a_download_and_a_refused_page_are_logged(client, world, security_log):
    note = NoteVersionFactory(seminar=world.seminar_a, status="partagee")
    client.force_login(world.elu_a)
    assert client.get(reverse("seminars:note_download", args=[note.pk])).status_code == 200
    outside = reverse("territories:participation", args=[world.participation_b.pk])
    assert client.get(outside).status_code == 404
    events = security_log()
    assert any(
        f"event=download user={world.elu_a.pk} path=/notes/{note.pk}/telecharger/ status=200"
        in line
        for line in events
    ), events
    assert any(
        f"event=refused user={world.elu_a.pk} path={outside} status=404" in line for line in events
    )
    assert_no_personal_data(events, world.elu_a)
    assert PASSWORD not in " ".join(events)
