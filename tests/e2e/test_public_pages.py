"""The public pages and the ANCT year view in a real browser, on the real
2018-2022 data: axe-core finds no violation, and a visitor filters the
catalogue through its form, then opens a Fabrique.

axe-core comes from npm (package.json at the root; `npm ci` installs it).
Screenshots go to /tmp/e2e-shots/ for a human look.
"""

import re
from datetime import datetime, time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from fabriques.models import Fabrique
from seminars.models import Seminar
from tests.conftest import TEST_TOTP_SECRET
from tests.e2e.conftest import axe_violations, log_in
from tests.factories import FollowUpFactory, IntersiteSeminarFactory, SeminarFactory

pytestmark = [
    pytest.mark.e2e,
    # Live-server tests truncate tables; serialized rollback restores the rows
    # the migrations created for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHOTS = Path("/tmp/e2e-shots")
INDUSTRIAL_2020 = "2020-sites-industriels-de-demain"


@pytest.fixture
def imported(db):
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)


@pytest.fixture
def industrial(imported):
    """Seminars held and planned, a note late, a follow-up held, so that the
    year view shows every kind of badge."""
    fabrique = Fabrique.objects.get(slug=INDUSTRIAL_2020)
    participation = fabrique.participations.order_by("pk").first()
    paris = timezone.get_current_timezone()
    day = fabrique.start_date.replace(day=15)
    SeminarFactory(
        participation=participation,
        number=1,
        window_start=fabrique.start_date,
        window_end=fabrique.end_date,
        starts_at=datetime.combine(day, time(10), tzinfo=paris),
        ends_at=datetime.combine(day, time(16), tzinfo=paris),
        status=Seminar.Status.HELD,
    )
    IntersiteSeminarFactory(
        fabrique=fabrique,
        number=1,
        window_start=fabrique.start_date,
        window_end=fabrique.end_date,
    )
    FollowUpFactory(fabrique=fabrique, meeting_on=fabrique.follow_up_due_date)
    return fabrique


def screenshot(page: Page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def audit(page: Page, url: str, heading: str, shot: str):
    response = page.goto(url)
    assert response.status == 200, url
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    screenshot(page, shot)
    violations = axe_violations(page)
    assert violations == [], f"{page.url}:\n" + "\n".join(violations)


PUBLIC_PAGES = {
    "home": ("/", "Les Fabriques Prospectives"),
    "catalogue-filtered": ("/fabriques/?edition=2019&q=industriel", None),
    "fabrique": (f"/fabriques/{INDUSTRIAL_2020}/", None),
    "map": ("/carte/", "Carte des territoires accompagnés"),
    "legal-notice": ("/mentions-legales/", "Mentions légales"),
    "personal-data": ("/donnees-personnelles/", "Données personnelles"),
    "accessibility": ("/accessibilite/", "Déclaration d'accessibilité"),
    "sitemap": ("/plan-du-site/", "Plan du site"),
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_has_no_accessibility_violation(name, audited_page, live_server, imported):
    url, heading = PUBLIC_PAGES[name]
    if name == "catalogue-filtered":
        heading = "Catalogue des Fabriques Prospectives"
    elif name == "fabrique":
        heading = Fabrique.objects.get(slug=INDUSTRIAL_2020).display_title
    audit(audited_page, live_server.url + url, heading, f"4-public-{name}")
    if name == "catalogue-filtered":
        # The filters really applied: one 2019 Fabrique speaks of industry.
        expect(audited_page.get_by_role("status")).to_have_text(
            re.compile(r"^\s*1 Fabrique trouvée\s*$")
        )


def test_year_view_has_no_accessibility_violation(
    audited_page, live_server, anct_staff, industrial
):
    page = audited_page
    year = industrial.start_date.year
    log_in(page, live_server, anct_staff, totp_secret=TEST_TOTP_SECRET)
    expect(page).not_to_have_url(re.compile("/compte/"))
    audit(
        page,
        f"{live_server.url}/anct/annee/?annee={year}",
        "Vue annuelle des Fabriques",
        "4-staff-year-view",
    )
    line = page.get_by_role("region", name=f"Calendrier {year}").locator(
        f"#fabrique-{industrial.pk}"
    )
    expect(line).to_contain_text("1 séminaire tenu")
    expect(line).to_contain_text("1 séminaire prévu")
    expect(line).to_contain_text("1 note en retard")
    expect(page.locator("#year-table")).to_contain_text(industrial.display_title)

    # Another year through the form.
    page.get_by_label("Année").select_option(str(year - 1))
    page.get_by_role("button", name="Afficher l'année").click()
    expect(page).to_have_url(re.compile(rf"annee={year - 1}"))
    expect(page.get_by_role("heading", name=f"Calendrier {year - 1}")).to_be_visible()
    expect(page.locator(f"#fabrique-{industrial.pk}")).to_have_count(0)
    violations = axe_violations(page)
    assert violations == [], f"{page.url}:\n" + "\n".join(violations)


def test_a_visitor_filters_the_catalogue_and_opens_a_fabrique(page: Page, live_server, imported):
    page.goto(f"{live_server.url}/fabriques/")
    status = page.get_by_role("status")
    expect(status).to_contain_text("13 Fabriques trouvées")

    page.get_by_label("Édition").select_option("2019")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"edition=2019"))
    expect(status).to_contain_text("3 Fabriques trouvées")
    cards = page.locator(".fr-card")
    expect(cards).to_have_count(3)
    expect(page.get_by_label("Édition")).to_have_value("2019")

    page.get_by_label("Rechercher").fill("industriel")
    page.get_by_role("button", name="Filtrer").click()
    expect(status).to_contain_text("1 Fabrique trouvée")
    expect(cards).to_have_count(1)
    screenshot(page, "4-catalogue-filtered-by-hand")

    fabrique = Fabrique.objects.get(edition=2019, slug__contains="industriels")
    cards.get_by_role("link", name=fabrique.display_title).click()
    expect(page).to_have_url(f"{live_server.url}/fabriques/{fabrique.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(fabrique.display_title)
