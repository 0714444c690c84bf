"""The working spaces in a real browser: an élu finds their territory and only
theirs, every space passes axe-core's audit, and the skip link works from the
keyboard.

axe-core comes from npm (package.json at the root; `npm ci` installs it).
Screenshots of each page go to /tmp/e2e-shots/ for a human look.
"""

import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from playwright.sync_api import Page, expect

from seminars.models import Seminar
from tests.conftest import TEST_TOTP_SECRET
from tests.e2e.conftest import axe_violations, log_in

pytestmark = [
    pytest.mark.e2e,
    # Live-server tests truncate tables; serialized rollback restores the rows
    # the migrations created for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/e2e-shots")

PLACE_A = "Salle du conseil municipal, mairie de Territoire A"
THEME_B = "Santé des aînés dans les bourgs ruraux"


@pytest.fixture
def spaces_world(world):
    """The two-Fabrique world with a calendar worth showing: territory A's
    first seminar has a date and a place a week from now (so the ANCT
    dashboard lists it too), Fabrique X's first intersite seminar was held in
    June with no note yet, territory B's seminar has a theme of its own."""
    paris = timezone.get_current_timezone()
    day = timezone.localdate() + timedelta(days=7)
    world.seminar_a.starts_at = datetime.combine(day, time(14, 0), tzinfo=paris)
    world.seminar_a.ends_at = datetime.combine(day, time(17, 0), tzinfo=paris)
    world.seminar_a.place = PLACE_A
    world.seminar_a.status = Seminar.Status.SCHEDULED
    world.seminar_a.save()
    world.intersite_x.starts_at = datetime(2026, 6, 16, 10, 0, tzinfo=paris)
    world.intersite_x.ends_at = datetime(2026, 6, 16, 16, 0, tzinfo=paris)
    world.intersite_x.place = "Paris, ANCT"
    world.intersite_x.status = Seminar.Status.HELD
    world.intersite_x.save()
    world.seminar_b.theme = THEME_B
    world.seminar_b.save()
    with translation.override("fr"):
        world.seminar_a_day = date_filter(world.seminar_a.starts_at, "l j F Y")
    return world


def screenshot(page: Page, name: str, **options):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), **({"full_page": True} | options))


def test_elu_logs_in_to_their_territory_and_sees_only_it(page: Page, live_server, spaces_world):
    w = spaces_world
    redirects = []
    page.on(
        "response",
        lambda response: (
            redirects.append(response.url.removeprefix(live_server.url))
            if 300 <= response.status < 400
            else None
        ),
    )

    log_in(page, live_server, w.elu_a)

    # /espaces/ sends the élu to their only space, which opens their only participation.
    participation_url = f"/territoire/{w.participation_a.pk}/"
    expect(page).to_have_url(live_server.url + participation_url)
    assert redirects[-3:] == ["/compte/login/", "/espaces/", "/territoire/"], redirects
    expect(page.get_by_role("heading", level=1)).to_have_text("Territoire A")
    main_menu = page.get_by_role("navigation", name="Menu principal")
    expect(main_menu.get_by_role("link", name="Mon territoire")).to_have_attribute(
        "aria-current", "page"
    )

    calendar = page.locator("#calendar")
    expect(calendar.locator("caption")).to_have_text("Calendrier du territoire et de la Fabrique")
    local = calendar.get_by_role("row").filter(has_text="Séminaire local 1")
    expect(local).to_contain_text(w.seminar_a_day)
    expect(local).to_contain_text("14h00 – 17h00")
    expect(local).to_contain_text(PLACE_A)
    expect(local).to_contain_text("Date fixée")
    intersite = calendar.get_by_role("row").filter(has_text="Séminaire intersite 1")
    expect(intersite).to_contain_text("Tenu")
    expect(intersite).to_contain_text("Paris, ANCT")
    expect(calendar.locator("tbody tr")).to_have_count(2)
    screenshot(page, "1-elu-a-participation")

    body = page.locator("body")
    for foreign in ("Territoire B", THEME_B, "Fabrique Y", "groupe-b.demo.invalid"):
        expect(body).not_to_contain_text(foreign)

    # Territory B's page, typed in by hand: a 404 that gives nothing away.
    response = page.goto(f"{live_server.url}/territoire/{w.participation_b.pk}/")
    assert response.status == 404
    expect(body).not_to_contain_text("Territoire B")
    expect(body).not_to_contain_text(THEME_B)
    screenshot(page, "1-elu-a-territory-b-404")


# name: (persona, whether they need the second factor, URL, its <h1>)
AUDITS = {
    "elu-a-participation": (
        "elu_a",
        False,
        lambda w: f"/territoire/{w.participation_a.pk}/",
        "Territoire A",
    ),
    "referent-a-working-group": (
        "referent_a",
        False,
        lambda w: f"/territoire/{w.participation_a.pk}/groupe-de-travail/",
        "Groupe de travail — Territoire A",
    ),
    "prestataire-x-space": ("prestataire_x", True, lambda w: "/prestataire/", "Espace prestataire"),
    "prestataire-x-fabrique": (
        "prestataire_x",
        True,
        lambda w: f"/prestataire/fabriques/{w.fabrique_x.pk}/",
        "Fabrique X : villes moyennes et transition",
    ),
    "staff-anct-dashboard": ("staff", True, lambda w: "/anct/", "Tableau de bord ANCT"),
}


@pytest.mark.parametrize("name", AUDITS)
def test_space_has_no_accessibility_violation(name, audited_page, live_server, spaces_world):
    persona, needs_totp, url_of, heading = AUDITS[name]
    page = audited_page
    user = getattr(spaces_world, persona)
    if needs_totp:
        log_in(page, live_server, user, totp_secret=TEST_TOTP_SECRET)
    else:
        log_in(page, live_server, user)
    expect(page).not_to_have_url(re.compile("/compte/"))

    response = page.goto(live_server.url + url_of(spaces_world))
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    screenshot(page, f"2-{name}")
    violations = axe_violations(page)
    assert violations == [], f"{page.url}:\n" + "\n".join(violations)


def test_skip_link_takes_keyboard_users_to_the_content(page: Page, live_server, spaces_world):
    log_in(page, live_server, spaces_world.elu_a)
    expect(page.get_by_role("heading", level=1)).to_have_text("Territoire A")
    # From the top of a freshly loaded page, as a keyboard user arrives.
    page.goto(page.url)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Contenu", exact=True)
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    expect(skip_link).to_have_attribute("href", "#content")
    screenshot(page, "3-skip-link-focused", clip={"x": 0, "y": 0, "width": 1400, "height": 250})

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#content$"))
    # The page jumped down to the content (it starts below header and breadcrumb).
    page.wait_for_function("() => window.scrollY > 0")
    expect(page.get_by_role("heading", level=1)).to_be_in_viewport()
    expect(skip_link).not_to_be_focused()
    # <main> takes no focus itself (no tabindex): Chromium leaves the focus on
    # <body> but moves the sequential focus starting point to #content, so
    # the next Tab lands in the content, past the header and the breadcrumb.
    page.keyboard.press("Tab")
    expect(page.locator("main#content :focus")).to_have_count(1)
    screenshot(page, "3-after-skip-link-and-tab")
