"""A staff member launches a 2027 Fabrique in the back-office, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from fabriques.models import Fabrique, Organisation
from seminars.models import Seminar
from tests.conftest import TEST_TOTP_SECRET, with_totp
from tests.e2e.conftest import log_in
from tests.factories import OrganisationFactory, TerritoryFactory, UserFactory

pytestmark = [
    pytest.mark.e2e,
    # Live-server tests truncate tables; serialized rollback restores the rows
    # the migrations created (default seminar path, transitions) for later tests.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def staff(db):
    from accounts.roles import anct_staff_group_ensure

    user = UserFactory(email="agent.anct@anct.demo.invalid", is_staff=True)
    user.groups.add(anct_staff_group_ensure())
    return with_totp(user)


def log_in_to_back_office(page: Page, live_server, user):
    # The admin login goes through allauth, with the second factor staff need.
    page.goto(f"{live_server.url}/admin/")
    log_in(page, live_server, user, totp_secret=TEST_TOTP_SECRET)
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Pilotage des Fabriques")).to_be_visible()


def test_staff_create_a_fabrique_propose_confirm_and_see_the_year(page: Page, live_server, staff):
    OrganisationFactory(name="Villes de France", kind=Organisation.Kind.ELECTED_OFFICIALS)
    OrganisationFactory(name="Prospective & Cie", kind=Organisation.Kind.PRESTATAIRE)
    TerritoryFactory(name="Lorient", commune__name="Lorient", commune__insee_code="56121")
    TerritoryFactory(name="Chantepie", commune__name="Chantepie", commune__insee_code="35055")
    log_in_to_back_office(page, live_server, staff)

    page.goto(f"{live_server.url}/admin/fabriques/fabrique/add/")
    page.locator("#id_title").fill("Villes moyennes et transition démographique : quels services ?")
    page.locator("#id_edition").fill("2027")
    page.locator("#id_short_title").fill("Villes moyennes 2027")
    page.locator("#id_start_date").fill("01/01/2027")
    page.get_by_role("button", name=re.compile("Ajouter un objet Partenariat", re.I)).click()
    page.locator("#id_partnerships-0-organisation").select_option(label="Villes de France")
    page.locator("#id_partnerships-0-role").select_option(label="Association d'élus")
    page.get_by_role(
        "button", name=re.compile("Ajouter un objet Marché du prestataire", re.I)
    ).click()
    page.locator("#id_contract-0-prestataire").select_option(label="Prospective & Cie")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(page.locator(".messagelist .success")).to_contain_text("a été ajouté avec succès")

    # The COPIL proposes two territories, added in the Fabrique's own page.
    page.get_by_role("button", name=re.compile("Ajouter un objet Participation", re.I)).click()
    page.locator("#id_participations-0-territory").select_option(label="Lorient")
    page.get_by_role("button", name=re.compile("Ajouter un objet Participation", re.I)).click()
    page.locator("#id_participations-1-territory").select_option(label="Chantepie")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    # Only two territories: the method asks for 4 to 8, the page says so.
    expect(page.locator(".messagelist .warning").first).to_contain_text(
        "La Fabrique compte 0 territoires confirmés"
    )

    page.goto(f"{live_server.url}/admin/fabriques/fabrique/")
    page.get_by_role("row", name=re.compile("Villes moyennes 2027")).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option("confirm_proposed_territories")
    page.get_by_role("button", name="Exécuter").click()
    expect(page.locator(".messagelist .success")).to_contain_text(
        "2 participation(s) confirmée(s), séminaires planifiés."
    )

    fabrique = Fabrique.objects.get(short_title="Villes moyennes 2027")
    page.goto(f"{live_server.url}/admin/fabriques/fabrique/{fabrique.pk}/change/")
    page.get_by_role("link", name="Voir les 14 séminaires planifiés").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(14)
    expect(page.locator("#result_list")).to_contain_text("Partager les acquis de la démarche")
    assert Seminar.objects.filter(fabrique=fabrique, kind="local").count() == 8
    assert fabrique.partnerships.get().organisation.name == "Villes de France"
    assert fabrique.contract.prestataire.name == "Prospective & Cie"

    # The audit trail: the Fabrique's «Historique» names who created and changed it.
    page.goto(f"{live_server.url}/admin/fabriques/fabrique/{fabrique.pk}/change/")
    page.get_by_role("link", name="Historique").click()
    expect(page.locator("#change-history")).to_contain_text(str(staff))
    expect(page.locator("#change-history")).to_contain_text("création")
    assert fabrique.history.earliest().history_user == staff
