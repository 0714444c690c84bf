"""Web login through allauth: e-mail login, throttling, no account enumeration,
admin login, logout by POST, and every allauth page on the DSFR layout."""

import re
import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse

from accounts.mfa import demo_totp_ensure
from tests.factories import UserFactory

PASSWORD = "motdepasse-de-test"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def empty_cache(db):
    # The rate-limit counters live in the database cache, which outlives a
    # test's transaction: start each test from zero.
    cache.clear()
    yield
    cache.clear()


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def totp_now(secret: str) -> str:
    """The authenticator app's current code (waiting out a period about to end)."""
    period = 30
    if period - time.time() % period < 2:
        time.sleep(2)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def log_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


def reauthenticate(client, password=PASSWORD):
    """allauth asks for the password again before any change to the second factor."""
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response


def logged_in_user_id(client):
    return client.session.get(SESSION_KEY)


# --- Login ------------------------------------------------------------------------


def test_login_by_email_ignores_case(client, world):
    verified(world.elu_a)

    response = log_in(client, "ELU@A.Demo.Invalid")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert logged_in_user_id(client) == str(world.elu_a.pk)


def test_wrong_password_is_refused_in_french_and_the_email_is_kept(client, world):
    verified(world.elu_a)

    response = log_in(client, "elu@a.demo.invalid", "pas-le-bon")

    assert response.status_code == 200
    html = response.content.decode()
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in html
    assert re.search(r'<input[^>]*name="login"[^>]*value="elu@a.demo.invalid"', html)
    assert logged_in_user_id(client) is None


def test_sixth_attempt_within_five_minutes_is_refused_even_with_the_right_password(client, world):
    verified(world.elu_a)
    other = verified(UserFactory(email="autre@exemple.invalid"))
    for _attempt in range(5):
        assert "sont incorrects" in log_in(client, "elu@a.demo.invalid", "pas-le-bon").text

    response = log_in(client, "elu@a.demo.invalid")

    assert response.status_code == 200
    assert "Trop de tentatives de connexion échouées" in response.text
    assert logged_in_user_id(client) is None
    # The limit is per account: someone else still logs in from the same place.
    assert log_in(client, other.email).status_code == 302
    assert logged_in_user_id(client) == str(other.pk)


def test_login_page_has_no_sign_up_link(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert reverse("account_signup") not in response.text
    assert "inscri" not in response.text.lower()
    assert reverse("account_reset_password") in response.text


def test_sign_up_is_closed(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    assert "Inscriptions fermées" in response.text


# --- Password reset -----------------------------------------------------------


def test_password_reset_does_not_tell_whether_an_account_exists(client, world, mailoutbox):
    verified(world.elu_a)
    url = reverse("account_reset_password")

    known = client.post(url, {"email": "elu@a.demo.invalid"})
    unknown = client.post(url, {"email": "personne@inconnu.invalid"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    known_page = client.get(known["Location"])
    unknown_page = client.get(unknown["Location"])
    assert known_page.status_code == unknown_page.status_code == 200

    # The same page but for each answer's own CSP nonce.
    def without_nonce(page):
        return re.sub(rb'nonce="[^"]*"', b"", page.content)

    assert without_nonce(known_page) == without_nonce(unknown_page)
    assert [message.to for message in mailoutbox] == [["elu@a.demo.invalid"]]


# --- Admin --------------------------------------------------------------------


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"), {"next": "/admin/"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_staff_reach_the_admin_after_the_login_and_its_code(client, world):
    verified(world.staff)
    demo_totp_ensure(user=world.staff, secret=SECRET)
    login_url = client.get(reverse("admin:index"), follow=True).redirect_chain[-1][0]
    assert login_url == f"{reverse('account_login')}?next=%2Fadmin%2F"

    client.post(login_url, {"login": world.staff.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(SECRET)})

    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_non_staff_who_log_in_cannot_see_the_admin(client, world):
    verified(world.elu_a)
    log_in(client, world.elu_a.email)

    response = client.get(reverse("admin:index"), follow=True)

    assert response.status_code == 403
    assert client.get(reverse("admin:login")).status_code == 403


# --- Logout -------------------------------------------------------------------


def test_logout_by_get_only_asks_for_confirmation(client, world):
    client.force_login(world.elu_a)

    response = client.get(reverse("account_logout"))

    assert response.status_code == 200
    assert re.search(r'<form method="post" action="/compte/logout/"', response.text)
    assert logged_in_user_id(client) == str(world.elu_a.pk)


def test_logout_by_post_logs_out(client, world):
    client.force_login(world.elu_a)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert logged_in_user_id(client) is None


# --- Every allauth page on the portal's layout -------------------------------


def assert_on_portal_layout(response):
    assert response.status_code == 200, response
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert "<main" in html
    assert "Fabriques Prospectives" in html
    assert 'style="' not in html
    assert "onclick" not in html


def reset_key_url(user):
    key = default_token_generator.make_token(user)
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
    )


ANONYMOUS_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_inactive",
]


@pytest.mark.parametrize("name", ANONYMOUS_PAGES)
def test_anonymous_pages_are_on_the_portal_layout(client, db, name):
    assert_on_portal_layout(client.get(reverse(name)))


def test_password_reset_from_key_pages_are_on_the_portal_layout(client, world):
    verified(world.elu_a)

    assert_on_portal_layout(client.get(reset_key_url(world.elu_a), follow=True))
    bad = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "mauvaise"})
    )
    assert_on_portal_layout(bad)
    assert "Mauvais jeton" in bad.text


def test_email_confirmation_page_is_on_the_portal_layout(client, world):
    address = EmailAddress.objects.create(user=world.elu_a, email=world.elu_a.email)
    key = EmailConfirmationHMAC(address).key

    assert_on_portal_layout(client.get(reverse("account_confirm_email", args=[key])))


def test_login_second_step_is_on_the_portal_layout(client, world):
    verified(world.staff)
    demo_totp_ensure(user=world.staff, secret=SECRET)

    response = log_in(client, world.staff.email)

    assert response["Location"] == reverse("mfa_authenticate")
    assert_on_portal_layout(client.get(reverse("mfa_authenticate")))


@pytest.fixture
def staff_logged_in_with_totp(client, world):
    """Staff logged in through both steps, then reauthenticated."""
    verified(world.staff)
    demo_totp_ensure(user=world.staff, secret=SECRET)
    log_in(client, world.staff.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_now(SECRET)})
    assert logged_in_user_id(client) == str(world.staff.pk)
    reauthenticate(client)
    return client


MANAGE_PAGES = [
    "account_logout",
    "account_change_password",
    "account_email",
    "account_reauthenticate",
    "mfa_index",
    "mfa_deactivate_totp",
    "mfa_reauthenticate",
    "mfa_generate_recovery_codes",
]


@pytest.mark.parametrize("name", MANAGE_PAGES)
def test_account_pages_are_on_the_portal_layout(staff_logged_in_with_totp, name):
    assert_on_portal_layout(staff_logged_in_with_totp.get(reverse(name)))


def test_recovery_codes_page_is_on_the_portal_layout(staff_logged_in_with_totp):
    client = staff_logged_in_with_totp
    client.post(reverse("mfa_generate_recovery_codes"))

    assert_on_portal_layout(client.get(reverse("mfa_view_recovery_codes")))


def test_set_password_page_is_on_the_portal_layout(client, world):
    world.elu_a.set_unusable_password()
    world.elu_a.save(update_fields=["password"])
    client.force_login(world.elu_a)

    assert_on_portal_layout(client.get(reverse("account_set_password")))


def test_totp_activation_page_shows_the_qr_code_with_a_text_alternative(client, world):
    verified(world.elu_a)
    log_in(client, world.elu_a.email)
    reauthenticate(client)

    response = client.get(reverse("mfa_activate_totp"))

    assert_on_portal_layout(response)
    qr_code = re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', response.text)
    assert qr_code, "the QR code is an inline SVG image"
    assert "QR code à scanner" in qr_code.group(1)
    secret = client.session["mfa.totp.secret"]
    assert secret not in qr_code.group(1)
    assert re.search(
        rf'<input class="fr-input" type="text" id="authenticator_secret" value="{secret}"',
        response.text,
    )
