"""The legal pages a French public site must have, linked from every page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LEGAL_PAGES = {
    "legal:legal_notice": "Mentions légales",
    "legal:personal_data": "Données personnelles",
    "legal:accessibility": "Déclaration d'accessibilité",
    "legal:sitemap": "Plan du site",
}


@pytest.mark.parametrize("name", sorted(LEGAL_PAGES))
def test_each_legal_page_answers_in_french_with_its_title(client, name):
    page = client.get(reverse(name)).content.decode()
    assert f"<h1>{LEGAL_PAGES[name]}</h1>" in page
    assert 'lang="fr"' in page


@pytest.mark.parametrize("url", ["/", "/fabriques/", "/carte/", "/compte/login/"])
def test_the_footer_of_every_page_links_the_legal_pages(client, url):
    page = client.get(url).content.decode()
    for name in LEGAL_PAGES:
        assert f'href="{reverse(name)}"' in page, (url, name)


def test_the_accessibility_statement_gives_its_status_and_the_footer_repeats_it(client):
    statement = client.get(reverse("legal:accessibility")).content.decode()
    assert "partiellement conforme" in statement
    assert "Défenseur des droits" in statement
    assert "Accessibilité : partiellement conforme" in client.get("/").content.decode()


def test_the_personal_data_page_names_the_only_cookies(client):
    page = client.get(reverse("legal:personal_data")).content.decode()
    assert "session" in page and "CSRF" in page
    assert "aucun outil de mesure d'audience" in page


def test_the_site_sets_no_cookie_on_an_anonymous_visit(client):
    response = client.get("/")
    assert not response.cookies
