"""The public home page and Fabrique pages, and what public pages never show."""

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from fabriques.models import Fabrique
from territories.models import Territory, WorkingGroupMember
from tests.factories import (
    FabriqueFactory,
    IntersiteSeminarFactory,
    ParticipationFactory,
    SeminarFactory,
    TransversalNoteFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(db):
    call_command("import_geography", verbosity=0)
    call_command("import_fabriques", verbosity=0)


@pytest.fixture
def public_world(world):
    """The two-Fabrique world with public Fabriques, a detailed calendar and
    one published and one unpublished deliverable."""
    Fabrique.objects.filter(pk__in=[world.fabrique_x.pk, world.fabrique_y.pk]).update(
        is_public=True
    )
    WorkingGroupMember.objects.update(phone="06 12 34 56 78")
    world.intersite_x.place = "Salle Rivoli, 20 avenue de Ségur"
    world.intersite_x.meeting_url = "https://visio.demo.invalid/secret-room"
    world.intersite_x.agenda = "Ordre du jour confidentiel"
    world.intersite_x.theme = "Regards croisés sur les territoires"
    world.intersite_x.save()
    world.published = TransversalNoteFactory(
        fabrique=world.fabrique_x,
        title="Recommandations aux législateurs",
        kind="recommandations",
        is_published=True,
        published_on=date(2026, 6, 1),
    )
    world.draft = TransversalNoteFactory(fabrique=world.fabrique_x, title="Brouillon interne")
    return world


def text_of(response):
    return response.content.decode()


def test_home_page_presents_the_programme_and_its_figures(client, imported):
    FabriqueFactory(
        title="Fabrique en cours cette année", slug="de-l-annee", is_public=True, status="en_cours"
    )
    FabriqueFactory(title="Fabrique interne", slug="interne", status="en_cours")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = text_of(response)
    assert "Fabrique en cours cette année" in html
    assert "Fabrique interne" not in html
    figures = response.context["figures"]
    assert (figures["fabriques"], figures["since"], figures["territories"]) == (14, 2018, 32)
    assert sum(row["count"] for row in figures["by_kind"]) == 32
    by_kind = {row["territory__kind"]: row["count"] for row in figures["by_kind"]}
    assert by_kind == dict(Territory.objects.values_list("kind").annotate(n=Count("pk")).order_by())
    assert by_kind["commune"] == 10
    bretagne = [
        r for r in figures["by_region"] if r["territory__departement__region__name"] == "Bretagne"
    ]
    assert bretagne[0]["count"] == 4
    assert 'href="/carte/"' in html
    assert f'href="{reverse("catalogue")}"' in html
    assert f'href="{reverse("account_login")}"' in html
    assert html.count("<caption>") == 2


def test_home_page_costs_a_constant_number_of_queries(client, imported):
    FabriqueFactory(is_public=True, status="en_cours")
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    FabriqueFactory.create_batch(10, is_public=True, status="en_cours")
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("home"))
    assert len(after) == len(before) <= 6


def test_fabrique_page_shows_the_public_facts(client, imported):
    fabrique = Fabrique.objects.get(title__startswith="Villes moyennes et transition")
    response = client.get(reverse("fabrique_detail", args=[fabrique.slug]))
    assert response.status_code == 200
    html = text_of(response)
    assert fabrique.title.replace("'", "&#x27;") in html
    assert "Action cœur de ville" in html
    assert "Transition écologique" in html and "Transition économique" in html
    assert "Villes de France" in html and "Association d&#x27;élus" in html
    lorient = fabrique.participations.get(territory__commune_id="56121").territory
    assert f'href="/territoires/{lorient.pk}/"' in html
    headings = [int(level) for level in re.findall(r"<h([1-6])", html)]
    assert headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False))


def test_fabrique_page_calendar_and_deliverables_stay_public(client, public_world):
    response = client.get(reverse("fabrique_detail", args=[public_world.fabrique_x.slug]))
    html = text_of(response)
    assert "Séminaire intersite 1" in html
    assert "Regards croisés sur les territoires" in html
    assert "juin 2026" in html
    for private in ("Salle Rivoli", "secret-room", "Ordre du jour confidentiel"):
        assert private not in html
    assert "Recommandations aux législateurs" in html
    assert "Brouillon interne" not in html


def test_a_non_public_fabrique_page_is_not_found(client, world):
    response = client.get(reverse("fabrique_detail", args=[world.fabrique_x.slug]))
    assert response.status_code == 404
    assert client.get(reverse("fabrique_detail", args=["inconnue"])).status_code == 404


def test_fabrique_page_costs_a_constant_number_of_queries(client, public_world):
    url = reverse("fabrique_detail", args=[public_world.fabrique_x.slug])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for number in (2, 3, 4):
        participation = ParticipationFactory(
            fabrique=public_world.fabrique_x, territory__commune__insee_code=f"5612{number}"
        )
        SeminarFactory(participation=participation, number=number)
        IntersiteSeminarFactory(fabrique=public_world.fabrique_x, number=number)
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before) <= 8


def test_public_pages_show_no_personal_data(client, public_world):
    people = list(User.objects.all())
    members = list(WorkingGroupMember.objects.all())
    private = (
        [f"{p.first_name} {p.last_name}" for p in people + members]
        + [p.email for p in people + members]
        + [m.phone for m in members]
    )
    assert len(private) > 20
    urls = [
        reverse("home"),
        reverse("catalogue"),
        reverse("fabrique_detail", args=[public_world.fabrique_x.slug]),
        reverse("fabrique_detail", args=[public_world.fabrique_y.slug]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        html = text_of(response)
        leaked = [value for value in private if value and value in html]
        assert not leaked, (url, leaked)
    # The public Fabriques are there: the check above looked at real pages.
    assert "Fabrique X : villes moyennes" in text_of(client.get(reverse("catalogue")))
