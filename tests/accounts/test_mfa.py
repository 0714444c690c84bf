"""Two-factor authentication required for ANCT staff and prestataires."""

import shlex
import subprocess
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.mfa import demo_totp_ensure, mfa_required, totp_hint
from fabriques.models import TeamMember
from tests.accounts.test_login import (
    PASSWORD,
    SECRET,
    empty_cache,  # noqa: F401 (autouse fixture: rate limits and used codes start at zero)
    log_in,
    logged_in_user_id,
    reauthenticate,
    totp_now,
    verified,
)
from tests.factories import UserFactory

SETUP_URL = reverse("mfa_activate_totp")


def without_totp(user):
    """The shared personas may come with an authenticator; these tests need none."""
    Authenticator.objects.filter(user=user).delete()
    return user


def test_staff_and_active_prestataire_members_need_a_second_factor(world):
    assert mfa_required(world.staff)
    assert mfa_required(world.prestataire_x)
    assert not mfa_required(world.elu_a)
    assert not mfa_required(world.copil_x)


def test_a_prestataire_whose_role_ended_no_longer_needs_it(world):
    yesterday = timezone.localdate() - timedelta(days=1)
    TeamMember.objects.filter(user=world.prestataire_x).update(
        starts_on=yesterday - timedelta(days=30), ends_on=yesterday
    )

    assert not mfa_required(world.prestataire_x)


@pytest.mark.parametrize("persona", ["staff", "prestataire_x"])
@pytest.mark.parametrize("url_name", ["accounts:home", "accounts:account", "home", "admin:index"])
def test_staff_and_prestataires_without_totp_are_sent_to_set_up(client, world, persona, url_name):
    client.force_login(without_totp(getattr(world, persona)))

    response = client.get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"] == SETUP_URL


def test_the_set_up_redirect_explains_why_in_french(client, world):
    client.force_login(without_totp(world.prestataire_x))

    response = client.get(reverse("accounts:account"), follow=True)

    assert "la double authentification est obligatoire" in response.text


def test_an_htmx_request_is_sent_to_the_set_up_as_a_whole_page(client, world):
    client.force_login(without_totp(world.staff))

    response = client.get(reverse("accounts:home"), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == SETUP_URL


@pytest.mark.parametrize(
    "url_name",
    ["account_logout", "account_reauthenticate", "account_email", "mfa_index"],
)
def test_the_pages_needed_for_the_set_up_stay_reachable(client, world, url_name):
    client.force_login(without_totp(world.staff))

    assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("persona", ["elu_a", "referent_a", "copil_x"])
def test_elus_and_other_roles_are_not_asked_for_a_second_factor(client, world, persona):
    client.force_login(getattr(world, persona))

    assert client.get(reverse("accounts:account")).status_code == 200


def test_after_activating_totp_staff_get_in_and_the_next_login_asks_for_the_code(client, world):
    verified(without_totp(world.staff))

    assert log_in(client, world.staff.email)["Location"] == reverse("accounts:home")
    assert client.get(reverse("accounts:home"))["Location"] == SETUP_URL
    # allauth has the password typed again before any change to the second factor.
    assert client.get(SETUP_URL)["Location"].startswith(reverse("account_reauthenticate"))
    reauthenticate(client)
    assert client.get(SETUP_URL).status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert "Code incorrect." in client.post(SETUP_URL, {"code": "000000"}).text

    response = client.post(SETUP_URL, {"code": totp_now(secret)})

    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=world.staff, type="totp").exists()
    assert client.get(reverse("accounts:home"))["Location"] == reverse("fabriques:dashboard")
    assert client.get(reverse("fabriques:dashboard")).status_code == 200

    client.post(reverse("account_logout"))
    response = log_in(client, world.staff.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert logged_in_user_id(client) is None
    assert "Code incorrect." in client.post(response["Location"], {"code": "000000"}).text
    assert logged_in_user_id(client) is None
    client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert logged_in_user_id(client) == str(world.staff.pk)


# --- Demo authenticators ------------------------------------------------------


def test_demo_totp_makes_login_ask_for_a_code_computed_from_the_secret(client, world):
    verified(world.prestataire_x)
    demo_totp_ensure(user=world.prestataire_x, secret=SECRET)

    response = log_in(client, world.prestataire_x.email, PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(SECRET)})

    assert response.status_code == 302
    assert logged_in_user_id(client) == str(world.prestataire_x.pk)
    assert client.get(reverse("accounts:account")).status_code == 200


def test_demo_totp_is_idempotent_and_replaces_another_secret(world):
    demo_totp_ensure(user=world.staff, secret=SECRET)
    first = Authenticator.objects.get(user=world.staff, type="totp")
    demo_totp_ensure(user=world.staff, secret=SECRET.lower())
    assert Authenticator.objects.get(user=world.staff, type="totp").pk == first.pk

    demo_totp_ensure(user=world.staff, secret="GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")

    totp = Authenticator.objects.get(user=world.staff, type="totp")
    assert totp.pk != first.pk
    assert totp.wrap().validate_code(totp_now("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"))


def test_demo_totp_refuses_a_secret_that_is_not_base32(db):
    user = UserFactory()

    with pytest.raises(ValueError):
        demo_totp_ensure(user=user, secret="pas du base32 !")

    assert not Authenticator.objects.filter(user=user).exists()


def test_the_printed_hint_gives_a_valid_code_for_the_demo_accounts():
    from accounts.demo import DEMO_TOTP_SECRET

    hint = totp_hint(DEMO_TOTP_SECRET)
    assert f"oathtool --totp -b {DEMO_TOTP_SECRET}" in hint
    command = next(line for line in hint.splitlines() if "manage.py demo_totp_code" in line)
    totp_now(DEMO_TOTP_SECRET)  # not at the very end of a period

    result = subprocess.run(
        shlex.split(command), cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )

    assert validate_totp_code(DEMO_TOTP_SECRET, result.stdout.strip())
