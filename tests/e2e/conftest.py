"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server. Playwright's own browser download is not used (blocked here)."""

import os
import shutil
import time
from pathlib import Path

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


@pytest.fixture
def page(page):
    """Every browser test's page, watched: the portal's strict CSP must refuse
    nothing it serves (a refused inline style or script is a defect), and no
    request may leave the live server (no third party, no tracking)."""
    from urllib.parse import urlsplit

    refused, outside = [], []

    def on_console(message):
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in {
            "127.0.0.1",
            "localhost",
        }:
            outside.append(request.url)

    page.on("console", on_console)
    page.on("request", on_request)
    yield page
    assert not refused, refused
    assert not outside, outside


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
        code = page.get_by_label("Code")
        # The code is computed once its page is there, and not in the last
        # seconds of its 30-second window, which allauth would already refuse.
        code.wait_for()
        if time.time() % 30 > 27:
            time.sleep(30 - time.time() % 30 + 0.5)
        code.fill(current_totp_code(totp_secret))
        page.get_by_role("button", name="Connexion").click()


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0/2.1/2.2 A and AA, plus axe's best practices (what axe.run() checks by default).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture
def audited_page(browser, browser_context_args):
    # The portal's CSP would refuse the injected axe script: the audit bypasses it.
    context = browser.new_context(**browser_context_args, bypass_csp=True)
    yield context.new_page()
    context.close()


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page, one readable line each."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        # resultTypes: only the violations are wanted; axe then stops collecting
        # every passing node (the same violations, found faster).
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations",
        AXE_TAGS,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in violations
    ]
