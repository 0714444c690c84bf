"""The real Fabriques of 2018-2022 load with their official territory codes."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from fabriques.importer import DEFAULT_SOURCE
from fabriques.models import CopilMeeting, Fabrique, Organisation, Partnership
from seminars.models import Seminar
from territories.models import Participation, Territory

pytestmark = pytest.mark.django_db

SOURCE = yaml.safe_load(Path(DEFAULT_SOURCE).read_text(encoding="utf-8"))


@pytest.fixture
def imported(db):
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)


def snapshot():
    models = [Fabrique, Organisation, Partnership, Territory, Participation, CopilMeeting]
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in models}
    # A run that changes nothing leaves nothing in the audit trail either.
    rows["history"] = [Fabrique.history.count(), Participation.history.count()]
    return rows


def test_it_loads_13_fabriques_and_32_territories(imported):
    assert Fabrique.objects.count() == 13
    assert Territory.objects.count() == 32
    assert Participation.objects.confirmed().count() == 32
    assert sorted(
        Fabrique.objects.order_by("edition").values_list("edition", flat=True).distinct()
    ) == [
        2018,
        2019,
        2020,
        2021,
        2022,
    ]
    assert Fabrique.objects.filter(edition=2019).count() == 3
    assert not Fabrique.objects.filter(is_public=False).exists()


def test_every_territory_carries_its_official_code_and_departement(imported):
    expected = {
        item["code"]: item for entry in SOURCE["fabriques"] for item in entry["territories"]
    }
    territories = Territory.objects.select_related("commune", "epci")
    assert {t.official_code for t in territories} == set(expected)
    for territory in territories:
        item = expected[territory.official_code]
        assert territory.name == item["name"]
        assert territory.departement_id == item["dept"]
        if territory.kind == Territory.Kind.COMMUNE:
            assert len(territory.commune_id) == 5 and territory.epci_id is None
        else:
            assert len(territory.epci_id) == 9 and territory.commune_id is None
        assert territory.population


def test_known_territories_match_the_referential(imported):
    lorient = Territory.objects.get(commune_id="56121")
    assert (lorient.name, lorient.kind, lorient.departement_id) == ("Lorient", "commune", "56")
    brest = Territory.objects.get(epci_id="242900314")
    assert brest.kind == Territory.Kind.METROPOLE
    # Renamed or merged since: the historical name stays, the current code is used.
    decazeville = Territory.objects.get(epci_id="200067064")
    assert decazeville.name == "Communauté de communes de Decazeville-Aubin"
    assert decazeville.kind == Territory.Kind.CC


def test_partners_programme_prestataire_and_copil_are_loaded(imported):
    villes_moyennes = Fabrique.objects.get(title__startswith="Villes moyennes et transition")
    assert villes_moyennes.start_date.isoformat() == "2020-01-01"
    assert villes_moyennes.end_date.isoformat() == "2020-12-31"
    assert villes_moyennes.anct_programme.name == "Action cœur de ville"
    assert villes_moyennes.contract.prestataire.name == "Transition & territoires"
    assert set(villes_moyennes.partners.values_list("acronym", flat=True)) == {"", "CGDD", "DGALN"}
    assert villes_moyennes.partnerships.get(organisation__name="Villes de France").role == (
        Partnership.Role.ELECTED_OFFICIALS
    )
    meeting = villes_moyennes.copil_meetings.get()
    assert meeting.date.isoformat() == "2020-01-23"
    assert "calendrier de la démarche" in meeting.agenda
    sites = Fabrique.objects.get(title="Sites industriels de demain")
    assert sites.participations.count() == 8
    assert sites.partnerships.get(organisation__acronym="CDC").role == Partnership.Role.CO_FUNDER
    assert set(sites.transitions.values_list("code", flat=True)) == {"economique", "ecologique"}


def test_the_past_calendar_is_not_invented(imported):
    # The documents do not date the seminars of past Fabriques.
    assert not Seminar.objects.exists()


def test_running_it_twice_changes_nothing(imported):
    before = snapshot()
    call_command("import_fabriques", verbosity=0)
    assert snapshot() == before


def test_without_geography_it_says_what_to_run(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="import_geography"):
        call_command("import_fabriques", verbosity=0)
    assert not Fabrique.objects.exists()
