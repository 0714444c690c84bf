"""Staff pick a territory's commune or EPCI in the referential; the rest fills itself."""

import pytest
from django.urls import reverse

from territories.models import Territory
from tests.factories import CommuneFactory, EpciFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


def test_choosing_an_epci_fills_kind_code_departement_and_name(staff_client):
    epci = EpciFactory(siren="200067999", name="CA du Beauvaisis", population=103_000)
    response = staff_client.post(
        reverse("admin:territories_territory_add"), {"epci": epci.pk, "name": ""}
    )
    assert response.status_code == 302
    territory = Territory.objects.get()
    assert territory.name == "CA du Beauvaisis"
    assert territory.kind == Territory.Kind.CA
    assert territory.official_code == "200067999"
    assert territory.departement == epci.departement
    assert territory.population == 103_000


def test_a_usage_name_is_kept(staff_client):
    commune = CommuneFactory(insee_code="56121", name="Lorient")
    staff_client.post(
        reverse("admin:territories_territory_add"),
        {"commune": commune.pk, "name": "Ville de Lorient"},
    )
    territory = Territory.objects.get()
    assert (territory.name, territory.kind, territory.official_code) == (
        "Ville de Lorient",
        Territory.Kind.COMMUNE,
        "56121",
    )


def test_neither_or_both_referential_entries_are_refused_in_french(staff_client):
    path = reverse("admin:territories_territory_add")
    response = staff_client.post(path, {"name": "Quelque part"})
    assert "Choisissez la commune ou l&#x27;EPCI dans le référentiel." in response.content.decode()
    response = staff_client.post(
        path, {"commune": CommuneFactory().pk, "epci": EpciFactory().pk, "name": "Les deux"}
    )
    assert "Choisissez une commune ou un EPCI, pas les deux." in response.content.decode()
    assert response.context["adminform"].form["name"].value() == "Les deux"
    assert not Territory.objects.exists()


def test_autocomplete_finds_communes_by_name(staff_client):
    CommuneFactory(insee_code="56121", name="Lorient")
    TerritoryFactory()  # the autocomplete view needs the referring admin to exist
    response = staff_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Lori",
            "app_label": "territories",
            "model_name": "territory",
            "field_name": "commune",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Lorient (56121)"]
