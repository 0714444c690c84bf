"""The public catalogue: filters, counts, search, pagination, query count."""

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fabriques.models import Fabrique, Organisation, Transition
from territories.models import Territory
from tests.factories import FabriqueFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL only"
)


@pytest.fixture
def imported(db):
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)


def titles(response):
    return {fabrique.title for fabrique in response.context["page_obj"].object_list}


def facet(response, name):
    (options,) = [f["options"] for f in response.context["facets"] if f["name"] == name]
    return {option["value"]: option["count"] for option in options}


def test_it_lists_every_public_fabrique(client, imported):
    response = client.get(reverse("catalogue"))
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 13
    assert 'role="status"' in response.content.decode()


def test_edition_2019_gives_three_fabriques(client, imported):
    response = client.get(reverse("catalogue"), {"edition": 2019})
    assert len(titles(response)) == 3
    assert all(title for title in titles(response))
    assert {f.edition for f in response.context["page_obj"].object_list} == {2019}


def test_demographic_transition_gives_its_two_fabriques(client, imported):
    response = client.get(reverse("catalogue"), {"transition": "demographique"})
    assert titles(response) == {
        "QPV et périurbain : les territoires acteurs de l'adaptation au vieillissement",
        "Être sénior demain dans une petite ville",
    }


def test_a_search_finds_both_industrial_fabriques(client, imported):
    response = client.get(reverse("catalogue"), {"q": "industriel"})
    found = titles(response)
    assert len(found) == 2
    assert "Sites industriels de demain" in found
    assert any(title.startswith("Territoires industriels") for title in found)


def test_a_search_finds_a_territory_name(client, imported):
    response = client.get(reverse("catalogue"), {"q": "Lorient"})
    assert [t[:40] for t in titles(response)] == ["Villes moyennes et transition écologique"]


@postgres_only
def test_a_search_without_accents_finds_accented_titles(client, imported):
    response = client.get(reverse("catalogue"), {"q": "ecologique"})
    found = titles(response)
    assert any("écologique" in title for title in found)
    assert "Villes moyennes et transition écologique" in {t[:40] for t in found}


def test_partner_filter(client, imported):
    adcf = Organisation.objects.get(acronym="AdCF")
    response = client.get(reverse("catalogue"), {"partner": adcf.pk})
    assert titles(response) == set(
        Fabrique.objects.filter(partnerships__organisation=adcf).values_list("title", flat=True)
    )
    assert len(titles(response)) == 7


def test_departement_and_region_filters(client, imported):
    response = client.get(reverse("catalogue"), {"departement": "56"})
    assert [t[:40] for t in titles(response)] == ["Villes moyennes et transition écologique"]
    # Bretagne: Lorient (56), Chantepie (35), Brest (29), Lannion-Trégor (22).
    response = client.get(reverse("catalogue"), {"region": "53"})
    assert len(titles(response)) == 4


def test_filters_combine(client, imported):
    response = client.get(
        reverse("catalogue"), {"edition": 2019, "transition": "ecologique", "region": "53"}
    )
    assert {t[:40] for t in titles(response)} == {
        "Villes moyennes et transition écologique",
        "Petites villes et santé environnementale",
    }
    response = client.get(reverse("catalogue"), {"edition": 2018, "q": "industriel"})
    assert titles(response) == set()


def test_counts_next_to_options_follow_the_other_filters(client, imported):
    response = client.get(reverse("catalogue"))
    assert facet(response, "edition") == {
        "2018": 3,
        "2019": 3,
        "2020": 3,
        "2021": 3,
        "2022": 1,
    }
    assert facet(response, "transition")["demographique"] == 2
    assert facet(response, "status") == {"terminee": 13}
    assert "2019 (3)" in response.content.decode()

    response = client.get(reverse("catalogue"), {"transition": "ecologique", "edition": 2019})
    # Editions counted within the ecological transition; transitions within 2019.
    assert facet(response, "edition") == {"2019": 2, "2020": 3, "2021": 1, "2022": 1}
    assert facet(response, "transition") == {
        "ecologique": 2,
        "economique": 2,
    }
    assert facet(response, "departement")["56"] == 1
    assert sum(facet(response, "territory_kind").values()) >= 2


def test_a_non_public_fabrique_never_appears(client, imported):
    hidden = FabriqueFactory(
        title="Fabrique confidentielle industrielle", slug="confidentielle", edition=2019
    )
    hidden.transitions.add(Transition.objects.get(code="demographique"))
    for params in ({}, {"edition": 2019}, {"q": "confidentielle"}, {"transition": "demographique"}):
        response = client.get(reverse("catalogue"), params)
        assert hidden.title not in titles(response)
        assert "/fabriques/confidentielle/" not in response.content.decode()
    response = client.get(reverse("catalogue"), {"edition": 2019})
    assert facet(response, "edition")["2019"] == 3
    assert client.get(reverse("fabrique_detail", args=[hidden.slug])).status_code == 404


def test_it_paginates_12_a_page_keeping_the_filters(client, imported):
    FabriqueFactory.create_batch(
        20, is_public=True, edition=2026, start_date=date(2026, 1, 1), status="en_cours"
    )
    response = client.get(reverse("catalogue"))
    page = response.context["page_obj"]
    assert (page.paginator.count, page.paginator.num_pages, len(page.object_list)) == (33, 3, 12)
    response = client.get(reverse("catalogue"), {"edition": 2026, "page": 2})
    page = response.context["page_obj"]
    assert (page.number, len(page.object_list)) == (2, 8)
    assert "?edition=2026&amp;page=1" in response.content.decode()
    assert 'aria-current="page"' in response.content.decode()


def test_invalid_parameters_are_ignored(client, imported):
    response = client.get(reverse("catalogue"), {"edition": "abc", "page": "zzz"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 13


def count_queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("catalogue"), params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params", [{}, {"edition": 2019, "transition": "ecologique", "q": "ville", "region": "53"}]
)
def test_queries_do_not_grow_with_the_number_of_fabriques(client, imported, params):
    before = count_queries(client, params)
    lorient = Territory.objects.get(commune_id="56121")
    for fabrique in FabriqueFactory.create_batch(
        40, is_public=True, edition=2019, title="Une ville en transition"
    ):
        fabrique.transitions.add(*Transition.objects.all())
        ParticipationFactory(fabrique=fabrique, territory=lorient)
    assert count_queries(client, params) == before
    assert before <= 12
