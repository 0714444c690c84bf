"""The open data: the public catalogue as CSV and JSON, and its schema."""

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fabriques.models import Fabrique
from territories.models import Participation

from ..factories import (
    CommuneFactory,
    FabriqueFactory,
    ParticipationContactFactory,
    ParticipationFactory,
    PartnershipFactory,
    TeamMemberFactory,
    TerritoryFactory,
    WorkingGroupMemberFactory,
)

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


@pytest.fixture
def imported(db):
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)


@pytest.fixture
def private_fabrique(imported):
    """A non-public Fabrique with people around it, none of which may leak."""
    fabrique = FabriqueFactory(is_public=False, slug="fabrique-confidentielle")
    participation = ParticipationFactory(
        fabrique=fabrique, territory=TerritoryFactory(commune=CommuneFactory(insee_code="Z0001"))
    )
    ParticipationContactFactory(participation=participation, user__email="elu@secret.invalid")
    WorkingGroupMemberFactory(participation=participation, email="membre@secret.invalid")
    return fabrique


def read_csv(client):
    response = client.get("/donnees/fabriques.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode("utf-8")
    return text, list(csv.DictReader(io.StringIO(text)))


def read_json(client):
    response = client.get("/donnees/fabriques.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.content.decode(), json.loads(response.content)


def test_both_exports_hold_exactly_the_public_fabriques(client, private_fabrique):
    public = set(Fabrique.objects.public().values_list("slug", flat=True))
    assert len(public) == 13
    _, csv_rows = read_csv(client)
    _, json_rows = read_json(client)
    assert {row["slug"] for row in csv_rows} == public
    assert {row["slug"] for row in json_rows} == public
    assert private_fabrique.slug not in public


def test_exports_carry_no_personal_data(client, private_fabrique):
    # People around a public Fabrique too: référents, working group, prestataire.
    participation = Participation.objects.filter(
        fabrique__is_public=True, fabrique__contract__isnull=True
    ).first()
    ParticipationContactFactory(participation=participation, user__email="elu@public.invalid")
    WorkingGroupMemberFactory(participation=participation, email="membre@public.invalid")
    TeamMemberFactory(
        contract__fabrique=participation.fabrique, user__email="consultant@public.invalid"
    )
    for text in (read_csv(client)[0], read_json(client)[0]):
        assert not EMAIL.search(text)


def test_lists_are_split_in_csv_and_arrays_in_json(client, imported):
    _, csv_rows = read_csv(client)
    _, json_rows = read_json(client)
    row = next(
        r
        for r in csv_rows
        if r["slug"].endswith("cooperations-entre-metropoles-et-territoires-environnants")
    )
    assert sorted(row["departements_territoires"].split(";")) == ["29", "31", "44", "76"]
    assert "242900314" in row["codes_territoires"].split(";")
    item = next(r for r in json_rows if r["slug"] == row["slug"])
    assert item["codes_territoires"] == row["codes_territoires"].split(";")
    assert item["edition"] == 2018 and row["edition"] == "2018"


def test_the_schema_documents_every_exported_field(client, imported):
    schema = client.get("/donnees/schema.json")
    assert schema["Content-Type"] == "application/json"
    fields = json.loads(schema.content)["fields"]
    for field in fields:
        assert field["title"] and field["description"] and field["type"]
    _, csv_rows = read_csv(client)
    _, json_rows = read_json(client)
    names = [field["name"] for field in fields]
    assert list(csv_rows[0]) == names
    assert list(json_rows[0]) == names


def test_the_opendata_page_links_the_files_and_the_licence(client, db):
    html = client.get("/donnees/").content.decode()
    for url in ("/donnees/fabriques.csv", "/donnees/fabriques.json", "/donnees/schema.json"):
        assert f'href="{url}"' in html
    assert "etalab-2.0" in html


def test_exports_cost_the_same_queries_whatever_the_number_of_fabriques(client, imported):
    def queries():
        counts = []
        for url in ("/donnees/fabriques.csv", "/donnees/fabriques.json"):
            with CaptureQueriesContext(connection) as context:
                client.get(url)
            counts.append(len(context))
        return counts

    before = queries()
    for n in range(20):
        fabrique = FabriqueFactory(is_public=True)
        PartnershipFactory(fabrique=fabrique)
        ParticipationFactory(
            fabrique=fabrique,
            territory=TerritoryFactory(commune=CommuneFactory(insee_code=f"Z{n:04d}")),
        )
    assert queries() == before
