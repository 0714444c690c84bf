"""Keyboard-only use of the main flows, in a real browser.

Only the keyboard (Tab, Shift+Tab, Enter) after the first page: from the home
page to the login form, into the territory space through the header's menu,
then to a seminar's page. At every stop the focused element must show it is
focused (an outline or a box shadow): WCAG 2.4.7.

An élu référent logs in with a password only (accounts.middleware:
TotpRequiredMiddleware asks ANCT staff and prestataires for a second factor).
Élus have no page of a seminar of their own: their territory's calendar lists
the seminars. The prestataire's flow (second factor typed in too) goes on to a
seminar's page, the scheduling form of territory A's first seminar.
"""

import re
import time

import pytest
from playwright.sync_api import Locator, Page, expect

from accounts.mfa import current_totp_code
from tests.conftest import TEST_TOTP_SECRET
from tests.e2e.conftest import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    # Live-server tests truncate tables; serialized rollback restores the rows
    # the migrations created for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Whether the focused element shows it: an outline or a box shadow on the
# element, or on the pseudo-element the DSFR draws it on (`fr-enlarge-link`
# links: their ::before, which covers the whole card or brand), or on the label
# of a DSFR checkbox or radio (its ::before). None on <body>: nothing focused.
FOCUS_STYLE = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const shows = (node, pseudo) => {
    const style = getComputedStyle(node, pseudo);
    return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== 'none';
  };
  const label = element.labels && element.labels[0];
  return {
    element: element.outerHTML.slice(0, 120),
    visible: shows(element, null) || shows(element, '::before') || shows(element, '::after')
      || (!!label && (shows(label, '::before') || shows(label, null))),
  };
}"""


def assert_focus_visible(page: Page):
    focus = page.evaluate(FOCUS_STYLE)
    assert focus is not None, "the focus was lost (on <body>)"
    assert focus["visible"], f"focus not visible on {focus['element']}"


def tab_to(page: Page, target: Locator, *, key="Tab", max_stops=80):
    """Press Tab (or Shift+Tab) until `target` has the focus, checking at each
    stop that the focus is visible."""
    target.wait_for()
    for _ in range(max_stops):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press(key)
        assert_focus_visible(page)
    raise AssertionError(f"{target} never got the focus in {max_stops} presses of {key}")


def log_in_with_the_keyboard(page: Page, user, *, totp=False):
    # The header's link (the home page has one in its content too).
    tab_to(page, page.get_by_role("banner").get_by_role("link", name="Se connecter"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Connexion")

    tab_to(page, page.get_by_label("Courriel"))
    page.keyboard.type(user.email)
    tab_to(page, page.get_by_label("Mot de passe", exact=True))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    if totp:
        code = page.get_by_label("Code")
        tab_to(page, code)
        # Not in the last seconds of the code's 30-second window.
        if time.time() % 30 > 27:
            time.sleep(30 - time.time() % 30 + 0.5)
        page.keyboard.type(current_totp_code(TEST_TOTP_SECRET))
        page.keyboard.press("Enter")
    expect(page.get_by_role("banner").get_by_role("link", name="Mon compte")).to_be_visible()


@pytest.fixture
def home(page: Page, live_server, world):
    from allauth.account.models import EmailAddress

    for user in (world.elu_a, world.prestataire_x):
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    page.goto(f"{live_server.url}/")
    return page


def test_the_skip_link_is_the_first_stop(home: Page):
    page = home
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Contenu", exact=True)
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    assert_focus_visible(page)
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("main#content :focus")).to_have_count(1)
    assert_focus_visible(page)


def test_an_elu_reaches_their_territory_and_its_seminars_with_the_keyboard(home: Page, world):
    page = home
    log_in_with_the_keyboard(page, world.elu_a)

    # Back and forth through the header: Shift+Tab works as well as Tab.
    menu = page.get_by_role("navigation", name="Menu principal")
    tab_to(page, menu.get_by_role("link", name="Accueil"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    territory_link = menu.get_by_role("link", name="Mon territoire")
    tab_to(page, territory_link)
    page.keyboard.press("Shift+Tab")
    assert_focus_visible(page)
    tab_to(page, territory_link)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Territoire A")
    expect(territory_link).to_have_attribute("aria-current", "page")
    seminar = page.locator("#calendar").get_by_role("row").filter(has_text="Séminaire local 1")
    expect(seminar).to_be_visible()
    # And on into the territory's pages: its working group.
    tab_to(page, page.get_by_role("link", name="Gérer le groupe de travail"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Groupe de travail")


def test_a_prestataire_reaches_a_seminar_of_the_territory_with_the_keyboard(home: Page, world):
    page = home
    log_in_with_the_keyboard(page, world.prestataire_x, totp=True)

    menu = page.get_by_role("navigation", name="Menu principal")
    tab_to(page, menu.get_by_role("link", name="Espace prestataire"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace prestataire")

    tab_to(page, page.get_by_role("link", name=world.fabrique_x.display_title))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(world.fabrique_x.display_title)

    tab_to(page, page.get_by_role("link", name=f"Programmer — {world.seminar_a}", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Programmer le séminaire")
    expect(page.locator(".fr-text--lead")).to_have_text(f"{world.seminar_a} — Territoire A")
    # Into the form, then back with Shift+Tab.
    tab_to(page, page.get_by_label("Date", exact=True))
    page.keyboard.press("Shift+Tab")
    assert_focus_visible(page)
