"""The login page, in a real browser, passes axe-core's audit, lets people in, and so
does Mon compte.

axe-core comes from npm (package.json at the root; `npm ci` installs it).
"""

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.e2e,
    # Live-server tests truncate tables; serialized rollback restores the rows
    # the migrations created for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "motdepasse-de-test"


def test_login_and_account_pages_have_no_accessibility_violation(audited_page, live_server):
    user = UserFactory(email="elue@territoire.demo.invalid", first_name="Anne")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page = audited_page

    page.goto(f"{live_server.url}/compte/login/")
    assert axe_violations(page) == []

    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe", exact=True).fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("sont incorrects")
    assert axe_violations(page) == []

    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Mes espaces")).to_be_visible()
    page.get_by_role("link", name="Mon compte").click()
    expect(page.get_by_role("heading", name="Mes rôles")).to_be_visible()
    assert axe_violations(page) == []
