"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server. Playwright's own browser download is not used (blocked here)."""

import os
import shutil

import pytest

# The live server runs in a thread while Playwright's sync API holds an event
# loop in the test thread; Django refuses ORM calls there unless told it is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1400, "height": 1000}}


PASSWORD = "motdepasse-de-test"


def log_in(page, live_server, user, *, password=PASSWORD, totp_secret=None):
    """Log in through the real allauth pages, second factor included."""
    from allauth.account.models import EmailAddress

    from accounts.mfa import current_totp_code

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    page.goto(f"{live_server.url}/compte/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    if totp_secret:
        page.get_by_label("Code").fill(current_totp_code(totp_secret))
        page.get_by_role("button", name="Connexion").click()
