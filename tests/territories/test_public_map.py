"""The public map of territories, its accessible table, and a territory's page."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fabriques.importer import DEFAULT_SOURCE
from territories import francemap
from territories.models import Departement, Territory

from ..factories import CommuneFactory, FabriqueFactory, ParticipationFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

SOURCE = yaml.safe_load(Path(DEFAULT_SOURCE).read_text(encoding="utf-8"))


@pytest.fixture
def imported(db):
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)


def table_counts(html: str) -> dict[str, int]:
    """The accessible table's rows: département code -> number of territories."""
    rows = re.findall(r'\?[^"]*dept=(\w+)#departement"[^>]*>[^<]*</a></th>\s*<td>(\d+)</td>', html)
    return {code: int(count) for code, count in rows}


def svg_of(html: str) -> str:
    return re.search(r"<svg.*?</svg>", html, re.S).group(0)


def test_counts_per_departement_match_the_yaml_and_the_database(client, imported):
    html = client.get("/carte/").content.decode()
    expected = Counter(
        item["dept"] for entry in SOURCE["fabriques"] for item in entry["territories"]
    )
    assert table_counts(html) == dict(expected)
    assert table_counts(html)["44"] == 2
    assert table_counts(html)["76"] == 2
    assert table_counts(html)["30"] == 2
    assert sum(table_counts(html).values()) == Territory.objects.count() == 32


def test_every_departement_with_territories_has_a_linked_coloured_path(client, imported):
    codes = set(Territory.objects.values_list("departement", flat=True))
    assert codes <= francemap.geometry().codes
    svg = svg_of(client.get("/carte/").content.decode())
    assert 'href="?dept=44#departement"' in svg
    assert "Loire-Atlantique : 2 territoires accompagnés" in svg
    assert re.search(r'href="\?dept=56#departement".*?portal-map__dept--1', svg, re.S)


def test_the_svg_covers_every_departement_of_the_referential_including_overseas(imported):
    codes = francemap.geometry().codes
    assert {"971", "972", "973", "974", "975", "976", "2A", "2B"} <= codes
    mainland_and_drom = set(
        Departement.objects.exclude(code__startswith="97")
        .exclude(code__startswith="98")
        .values_list("code", flat=True)
    ) | {"971", "972", "973", "974", "976"}
    assert mainland_and_drom <= codes


def test_edition_and_transition_filters_change_the_counts(client, imported):
    all_counts = table_counts(client.get("/carte/").content.decode())
    edition = SOURCE["fabriques"][0]["edition"]
    by_edition = table_counts(client.get(f"/carte/?edition={edition}").content.decode())
    expected = Counter(
        item["dept"]
        for entry in SOURCE["fabriques"]
        if entry["edition"] == edition
        for item in entry["territories"]
    )
    assert by_edition == dict(expected) != all_counts
    by_transition = table_counts(client.get("/carte/?transition=demographique").content.decode())
    expected = Counter(
        item["dept"]
        for entry in SOURCE["fabriques"]
        if "demographique" in entry["transitions"]
        for item in entry["territories"]
    )
    assert by_transition == dict(expected) != all_counts
    # The filters stay in the département links.
    assert (
        f"?edition={edition}&amp;dept=44#departement"
        in client.get(f"/carte/?edition={edition}").content.decode()
    )


def test_a_departement_lists_its_territories_and_their_fabriques(client, imported):
    lorient = Territory.objects.get(commune_id="56121")
    html = client.get("/carte/?dept=56").content.decode()
    assert 'id="departement"' in html
    assert f'href="/territoires/{lorient.pk}/">Lorient</a>' in html
    for participation in lorient.participations.select_related("fabrique"):
        assert f'href="/fabriques/{participation.fabrique.slug}/"' in html


def test_the_page_has_no_inline_style_nor_inline_script(client, imported):
    html = client.get("/carte/?dept=56").content.decode()
    assert "style=" not in svg_of(html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert 'aria-hidden="true"' in svg_of(html)


def test_private_fabriques_do_not_show_on_the_map(client, db):
    territory = TerritoryFactory(commune=CommuneFactory(insee_code="Z0001"))
    ParticipationFactory(territory=territory, fabrique=FabriqueFactory(is_public=False))
    assert table_counts(client.get("/carte/").content.decode()) == {}
    assert client.get(f"/territoires/{territory.pk}/").status_code == 404


def add_fabriques_and_territories(count: int):
    departements = list(Departement.objects.order_by("code")[:count])
    for n, departement in enumerate(departements):
        territory = TerritoryFactory(
            commune=CommuneFactory(insee_code=f"Z{n:04d}", departement=departement)
        )
        ParticipationFactory(territory=territory, fabrique=FabriqueFactory(is_public=True))


def test_the_map_costs_the_same_queries_whatever_the_number_of_territories(client, imported):
    def queries(url):
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    before = (queries("/carte/"), queries("/carte/?dept=56"))
    add_fabriques_and_territories(20)
    assert (queries("/carte/"), queries("/carte/?dept=56")) == before


def test_a_territory_page_shows_its_public_fabriques_and_no_personal_data(client, world):
    FabriqueFactory(is_public=True)
    world.fabrique_x.is_public = True
    world.fabrique_x.save(update_fields=["is_public"])
    response = client.get(f"/territoires/{world.territory_a.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Territoire A" in html and "56121" in html and "Morbihan" in html
    assert 'href="/fabriques/fabrique-x/"' in html
    assert "fabrique-y" not in html
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", html)
    # Territory B only took part in a non-public Fabrique.
    assert client.get(f"/territoires/{world.territory_b.pk}/").status_code == 404
